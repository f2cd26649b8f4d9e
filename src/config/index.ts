// The config module's public surface: TOML files → a validated, frozen Config.
export type * from './types.js';
export { loadConfig } from './load.js';
export { formatIssue } from './format.js';
export { parseDuration, formatDuration, MAX_DURATION_MS } from './duration.js';
export type { Parsed } from './duration.js';
export { parseSize } from './size.js';
export { configJsonSchema } from './schema.js';
