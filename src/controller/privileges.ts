// Per-service privileges at spawn: the command is wrapped in util-linux and coreutils tools
// that each set one thing and exec the next (same pid, same process group):
//   prlimit (limits) → nice → sh (umask) → setpriv (user, group, groups) → the command.
import type { Config, ConfigIssue, ServiceSpec } from '../config/types.js';
import { lookupGroup, lookupUser } from '../os/users.js';

const PRLIMIT = '/usr/bin/prlimit';
const NICE = '/usr/bin/nice';
const SETPRIV = '/usr/bin/setpriv';

/** Problems only this host can tell: unknown users or groups, or privileges kelpie lacks. */
export function hostIssues(config: Config, uid = process.getuid?.() ?? 0): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const s of Object.values(config.services)) {
    const p = s.privileges;
    const at = (field: string, message: string, hint?: string): void => {
      out.push({ file: s.source.file, line: s.source.line, column: 0, field: `services.${s.name}.${field}`, message, ...(hint ? { hint } : {}) });
    };
    if (p.user !== null) {
      const u = lookupUser(p.user);
      if (!u) at('user', `no user named "${p.user}" on this host`);
      else if (uid !== 0 && u.uid !== uid) at('user', `kelpie runs as uid ${uid}, not root: it cannot run a service as "${p.user}" (uid ${u.uid})`, 'run kelpie as root, or remove user');
    }
    if (p.group !== null) {
      const g = lookupGroup(p.group);
      if (g === null) at('group', `no group named "${p.group}" on this host`);
      else if (uid !== 0) at('group', `kelpie runs as uid ${uid}, not root: it cannot change the group`, 'run kelpie as root, or remove group');
    }
    if (p.nice !== null && p.nice < 0 && uid !== 0) at('nice', `a negative nice (${p.nice}) needs root; kelpie runs as uid ${uid}`);
  }
  return out;
}

/** The argv that applies `spec`'s privileges, then runs its command. */
export function wrapCommand(spec: ServiceSpec): string[] {
  const p = spec.privileges;
  let argv = [...spec.command];
  const self = process.getuid?.() ?? 0;
  const own = p.user !== null && lookupUser(p.user)?.uid === self && p.group === null;
  // Already that user (a non-root kelpie naming itself): nothing to switch.
  if ((p.user !== null || p.group !== null) && !own) {
    const u = p.user !== null ? lookupUser(p.user) : null;
    const gid = p.group !== null ? lookupGroup(p.group) : u?.gid ?? null;
    const opts: string[] = [];
    if (u) opts.push(`--reuid=${u.uid}`);
    if (gid !== null) opts.push(`--regid=${gid}`);
    // The user's own groups, unless a group was named (then that group alone).
    opts.push(u && p.group === null ? '--init-groups' : '--clear-groups');
    argv = [SETPRIV, ...opts, '--', ...argv];
  }
  if (p.umask !== null) argv = ['/bin/sh', '-c', 'umask "$0" && exec "$@"', p.umask, ...argv];
  if (p.nice !== null) argv = [NICE, '-n', String(p.nice), ...argv];
  const limits = Object.entries(p.rlimits);
  if (limits.length) argv = [PRLIMIT, ...limits.map(([k, v]) => `--${k}=${v}:${v}`), '--', ...argv];
  return argv;
}
