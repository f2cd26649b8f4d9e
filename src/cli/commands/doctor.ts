// kelpie doctor: what this machine gives kelpie, and what degrades without each part. Nothing
// here changes the process (no prctl that sets anything); each probe is opened and closed again.
import { accessSync, constants as fsConstants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatIssue, loadConfig } from '../../config/index.js';
import { libc } from '../../os/libc.js';
import { NotifyHub } from '../../os/notify-socket.js';
import { homePaths } from '../../protocol/home.js';
import type { Command } from '../command.js';
import { c, out, printJson } from '../output.js';

export type Status = 'ok' | 'warn' | 'fail' | 'info';

/** One line of the report. */
export interface Check {
  readonly name: string;
  readonly status: Status;
  readonly detail: string;
  /** What does not work, or works less well, because of this (warn and fail only). */
  readonly degrades?: string;
}

/** The facts the checks look at; tests pass their own. */
export interface Facts {
  readonly node: string;
  readonly platform: NodeJS.Platform;
  readonly kernel: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly pid: number;
  readonly home: string;
  readonly config: string;
  /** Does this path exist (for container markers)? */
  exists(path: string): boolean;
  /** A small file's text, or null. */
  read(path: string): string | null;
}

const SUN_PATH_MAX = 107;

/** "6.1.0-18-amd64" → [6, 1]; null when unreadable. */
export function kernelVersion(rel: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

const atLeast = (v: [number, number] | null, major: number, minor: number): boolean => v !== null && (v[0] > major || (v[0] === major && v[1] >= minor));

/** The checks that need no probe: versions, environment, container and systemd markers. */
export function factChecks(f: Facts): Check[] {
  const checks: Check[] = [];
  const nodeMajor = Number(/^v?(\d+)/.exec(f.node)?.[1] ?? 0);
  checks.push(
    nodeMajor >= 20
      ? { name: 'node', status: 'ok', detail: `${f.node} (kelpie needs 20 or newer)` }
      : { name: 'node', status: 'fail', detail: `${f.node}: kelpie needs Node.js 20 or newer`, degrades: 'kelpie may not start at all; install Node.js 20+' },
  );
  if (f.platform !== 'linux') {
    checks.push({
      name: 'platform',
      status: 'warn',
      detail: `${f.platform}: kelpie's process hygiene is built on Linux`,
      degrades: 'no subreaper, no orphan reaping, no notify sockets, inherited fds not closed; services are still started, stopped and restarted',
    });
    return checks;
  }
  const k = kernelVersion(f.kernel);
  checks.push(
    atLeast(k, 3, 4)
      ? { name: 'kernel', status: 'ok', detail: `Linux ${f.kernel}: PR_SET_CHILD_SUBREAPER (3.4+) available` }
      : {
          name: 'kernel',
          status: 'warn',
          detail: `Linux ${f.kernel}: no PR_SET_CHILD_SUBREAPER (needs 3.4)`,
          degrades: 'processes a service double-forks and abandons go to init instead of kelpie: kelpie cannot reap them or stop them with their service',
        },
  );
  checks.push(
    atLeast(k, 5, 3)
      ? { name: 'pidfd', status: 'ok', detail: 'pidfd_open (5.3+) available' }
      : {
          name: 'pidfd',
          status: 'warn',
          detail: `Linux ${f.kernel}: no pidfd_open (needs 5.3)`,
          degrades: 'nothing today; kelpie will use pidfds to watch processes it did not spawn itself',
        },
  );

  // Who started us.
  if (f.env['NOTIFY_SOCKET'] || f.env['INVOCATION_ID']) {
    const how = f.env['NOTIFY_SOCKET'] ? 'with NOTIFY_SOCKET set (a Type=notify unit)' : `(INVOCATION_ID ${f.env['INVOCATION_ID']})`;
    checks.push({ name: 'systemd', status: 'info', detail: `running under systemd ${how}` });
  } else checks.push({ name: 'systemd', status: 'info', detail: 'not running under systemd (no NOTIFY_SOCKET or INVOCATION_ID)' });

  const container = containerMarker(f);
  checks.push({
    name: 'container',
    status: 'info',
    detail: container
      ? `in a container (${container}): give kelpie a writable KELPIE_HOME; docker stop waits 10 s by default before SIGKILL, so keep stop timeouts within it`
      : 'not in a container, as far as /.dockerenv, /run/.containerenv, $container and /proc/1/cgroup tell',
  });
  const init = f.pid === 1 ? 'this process' : (f.read('/proc/1/comm')?.trim() ?? 'unknown');
  checks.push({
    name: 'pid 1',
    status: 'info',
    detail: f.pid === 1 ? 'kelpie runs as PID 1: it receives every orphan and reaps it' : `PID 1 is ${init}`,
  });
  return checks;
}

/** Why we think this is a container, or null. */
function containerMarker(f: Facts): string | null {
  if (f.exists('/.dockerenv')) return '/.dockerenv';
  if (f.exists('/run/.containerenv')) return '/run/.containerenv';
  if (f.env['container']) return `container=${f.env['container']}`;
  const cg = f.read('/proc/1/cgroup');
  const m = cg ? /\b(docker|kubepods|containerd|libpod|lxc|podman)\b/.exec(cg) : null;
  return m ? `/proc/1/cgroup mentions ${m[1]}` : null;
}

/** koffi, libc and notify sockets: opened, tried and closed. */
export function probeChecks(): Check[] {
  const checks: Check[] = [];
  if (process.platform !== 'linux') return checks;
  const c = libc();
  checks.push(
    c
      ? { name: 'ffi', status: 'ok', detail: 'koffi loads libc (prctl, waitpid, fcntl)' }
      : {
          name: 'ffi',
          status: 'warn',
          detail: 'koffi cannot load libc',
          degrades: 'no subreaper and no orphan reaping (orphans of services go to init), inherited fds stay open in services, no notify sockets; starting, stopping, restarting and logs still work',
        },
  );
  let dir: string | null = null;
  let hub: NotifyHub | null = null;
  try {
    hub = NotifyHub.create();
    if (!hub) throw new Error('no FFI or epoll');
    dir = mkdtempSync(join(tmpdir(), 'kelpie-doctor-'));
    const ch = hub.open(join(dir, 'probe.sock'), () => {});
    ch.close();
    checks.push({ name: 'notify', status: 'ok', detail: 'unix datagram notify sockets work (sd_notify readiness, watchdog)' });
  } catch (e) {
    checks.push({
      name: 'notify',
      status: 'warn',
      detail: `no unix datagram notify sockets: ${(e as Error).message}`,
      degrades: 'services with ready = { notify = true } or a watchdog fail to start; use ready = { fd = 3 }, { file = true } or a probe instead',
    });
  } finally {
    hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return checks;
}

/** The kelpie home: writable (or creatable), and short enough for its socket. */
export function homeChecks(home: string): Check[] {
  const checks: Check[] = [];
  let at = home;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const creating = at !== home;
  try {
    if (!statSync(at).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(at, fsConstants.W_OK | fsConstants.X_OK);
    checks.push({ name: 'home', status: 'ok', detail: creating ? `${home} does not exist yet; ${at} is writable, so kelpie can create it` : `${home} is writable` });
  } catch (e) {
    checks.push({
      name: 'home',
      status: 'fail',
      detail: `${creating ? at : home} is not writable (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      degrades: 'kelpie cannot keep its socket, state and logs there: set KELPIE_HOME or --home to a writable directory (on a read-only root filesystem, a mounted volume or tmpfs)',
    });
  }
  const sock = homePaths(home).socket;
  const len = Buffer.byteLength(sock);
  checks.push(
    len <= SUN_PATH_MAX
      ? { name: 'socket path', status: 'ok', detail: `${sock} (${len} of at most ${SUN_PATH_MAX} bytes)` }
      : {
          name: 'socket path',
          status: 'fail',
          detail: `${sock} is ${len} bytes; a unix socket path has at most ${SUN_PATH_MAX}`,
          degrades: 'the API socket cannot be created: use a shorter --home or KELPIE_HOME',
        },
  );
  try {
    accessSync(tmpdir(), fsConstants.W_OK);
    checks.push({ name: 'tmp', status: 'ok', detail: `${tmpdir()} is writable` });
  } catch {
    checks.push({ name: 'tmp', status: 'warn', detail: `${tmpdir()} is not writable`, degrades: 'notify sockets of homes with long paths cannot be created there; set TMPDIR' });
  }
  return checks;
}

/** The config, if there is one here. */
export function configCheck(file: string): Check {
  if (!existsSync(file)) return { name: 'config', status: 'info', detail: `no ${file} (kelpie init writes a starter, kelpie import converts another tool's file)` };
  const r = loadConfig(file);
  if (r.ok) return { name: 'config', status: 'ok', detail: `${file} loads: ${Object.keys(r.config.services).length} service(s)` };
  return {
    name: 'config',
    status: 'fail',
    detail: `${file} has ${r.issues.length} problem(s); the first: ${formatIssue(r.issues[0]!).split('\n')[0]}`,
    degrades: 'kelpie up refuses to start with it; kelpie check lists every problem',
  };
}

const LABEL: Record<Status, (s: string) => string> = { ok: c.green, warn: c.yellow, fail: c.red, info: c.blue };

export const doctor: Command = {
  name: 'doctor',
  summary: 'check Node, the kernel, permissions and the environment; say what degrades',
  usage: '',
  args: [0, 0],
  async run(ctx) {
    const facts: Facts = {
      node: process.version,
      platform: process.platform,
      kernel: release(),
      env: process.env,
      pid: process.pid,
      home: ctx.where.home,
      config: ctx.where.config,
      exists: (p) => existsSync(p),
      read: (p) => {
        try {
          return readFileSync(p, 'utf8');
        } catch {
          return null;
        }
      },
    };
    const checks = [...factChecks(facts), ...probeChecks(), ...homeChecks(ctx.where.home), configCheck(ctx.where.config)];
    const count = (s: Status): number => checks.filter((x) => x.status === s).length;
    const fails = count('fail');
    if (ctx.flags.json) {
      printJson({ ok: fails === 0, checks, summary: { ok: count('ok'), warn: count('warn'), fail: fails, info: count('info') } });
      return fails > 0 ? 1 : 0;
    }
    const width = Math.max(...checks.map((x) => x.name.length));
    for (const x of checks) {
      out(`${LABEL[x.status](x.status.padEnd(4))}  ${x.name.padEnd(width)}  ${x.detail}`);
      if (x.degrades) out(`      ${' '.repeat(width)}  ${c.dim(`impact: ${x.degrades}`)}`);
    }
    out('');
    const summary = `${count('ok')} ok, ${count('warn')} warning(s), ${fails} failure(s)`;
    out(fails > 0 ? c.red(summary) : count('warn') > 0 ? c.yellow(summary) : c.green(summary));
    return fails > 0 ? 1 : 0;
  },
};
