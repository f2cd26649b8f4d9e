// Log capture for the keeper: line assembly, on-disk format, rotated files, per-service capture.
export { LineAssembler, DEFAULT_MAX_LINE, utf8Cut } from './lines.js';
export type { LineCallback, LineAssemblerOptions } from './lines.js';
export { LogFile } from './file.js';
export type { LogLimits, LogFileOptions, WriteFn } from './file.js';
export { formatLogLine, parseLogLine } from './format.js';
export type { StreamName, ParsedLogLine } from './format.js';
export { ServiceLog } from './capture.js';
export type { LogEntry, LogListener, ServiceLogOptions } from './capture.js';
