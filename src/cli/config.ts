// Loading the config for commands that start things: errors are printed in full and end
// the command with exit 2 before anything runs.
import { formatIssue, loadConfig } from '../config/index.js';
import type { Config } from '../config/types.js';
import { KelpieError } from '../protocol/errors.js';

export function loadOrThrow(file: string): Config {
  const r = loadConfig(file);
  if (r.ok) return r.config;
  for (const i of r.issues) process.stderr.write(formatIssue(i) + '\n');
  throw new KelpieError('KELPIE_E_CONFIG', `invalid config ${file}: ${r.issues.length} problem(s); nothing was started`, 'check it with: kelpie check');
}
