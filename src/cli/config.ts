// Loading the config for commands that start things: errors are printed in full and end
// the command with exit 2 before anything runs.
import { formatIssue, loadConfig } from '../config/index.js';
import type { Config } from '../config/types.js';
import { KelpieError } from '../protocol/errors.js';
import { hostIssues } from '../controller/privileges.js';

export function loadOrThrow(file: string): Config {
  const r = loadConfig(file);
  const issues = r.ok ? hostIssues(r.config) : r.issues;
  if (r.ok && issues.length === 0) return r.config;
  for (const i of issues) process.stderr.write(formatIssue(i) + '\n');
  throw new KelpieError('KELPIE_E_CONFIG', `invalid config ${file}: ${issues.length} problem(s); nothing was started`, 'check it with: kelpie check');
}
