// Transient services (`kelpie run -- CMD…`, like systemd-run): supervised while they run,
// shown in status, forgotten once they end; their exit stays in the event history.
import type { LogSpec, ServiceSpec } from '../config/types.js';
import { KelpieError } from '../protocol/errors.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,63}$/;

/** What `POST /v1/run` accepts, validated. */
export interface RunRequest {
  readonly name?: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/** Validates a raw request body into a RunRequest. */
export function parseRun(body: Record<string, unknown>): RunRequest {
  const { name, argv, cwd, env } = body;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new KelpieError('KELPIE_E_BAD_REQUEST', '"argv" must be a non-empty array of strings');
  }
  if (name !== undefined && (typeof name !== 'string' || !NAME.test(name))) {
    throw new KelpieError('KELPIE_E_BAD_REQUEST', `"name" must match ${NAME.source}, got ${JSON.stringify(name)}`);
  }
  if (typeof cwd !== 'string' || !cwd.startsWith('/')) throw new KelpieError('KELPIE_E_BAD_REQUEST', '"cwd" must be an absolute path');
  const e = env ?? {};
  if (typeof e !== 'object' || e === null || Array.isArray(e) || !Object.values(e).every((v) => typeof v === 'string')) {
    throw new KelpieError('KELPIE_E_BAD_REQUEST', '"env" must be an object of strings');
  }
  return { ...(name !== undefined ? { name: name as string } : {}), argv: argv as string[], cwd, env: e as Record<string, string> };
}

/** The definition of a transient run: never restarted, no dependencies, no readiness. */
export function transientSpec(name: string, r: RunRequest, log: LogSpec): ServiceSpec {
  return {
    name,
    kind: 'longrun',
    command: r.argv,
    cwd: r.cwd,
    env: r.env,
    autostart: false,
    restart: 'never',
    backoff: { initial: 100, max: 30_000, resetAfter: 60_000 },
    startLimit: { burst: 5, interval: 10_000 },
    successCodes: [0],
    noRestartCodes: [],
    stop: { signal: 'SIGTERM', timeout: 10_000 },
    log,
    requires: [],
    wants: [],
    after: [],
    provides: [],
    onDependencyRestart: 'ignore',
    ready: { kind: 'none' },
    readyTimeout: 30_000,
    watchdog: null,
    sockets: [],
    pidFile: null,
    privileges: { user: null, group: null, umask: null, nice: null, clearEnv: false, rlimits: {} },
    liveness: null,
    startup: null,
    onChange: 'restart',
    timer: null,
    processOf: null,
    processes: [],
    onProcessExit: 'restart-process',
    remote: null,
    source: { file: '(kelpie run)', line: 0 },
  };
}

/** Fills fields a definition from an older kelpie lacks (a snapshot from before an upgrade). */
export function withDefaults(spec: ServiceSpec): ServiceSpec {
  const base = transientSpec(spec.name, { argv: spec.command, cwd: spec.cwd, env: spec.env }, spec.log);
  return { ...base, ...spec, privileges: { ...base.privileges, ...(spec.privileges ?? {}) } };
}
