// One checked [services.NAME] table → a ServiceSpec: resolves cwd and unix probe paths, reads
// env_file(s), and fills the log settings from the global [log].
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseEnvFile } from './envfile.js';
import { SERVICE_NAME_PATTERN } from './fields.js';
import { placeProbe, placeReady, type DraftProbe, type DraftReady } from './probe.js';
import type { Issues } from './issues.js';
import type { Located, MapEntry } from './check.js';
import type { RemoteRef, BackoffSpec, LogSpec, OnDependencyRestart, RestartPolicy, ServiceKind, ServiceSpec, StartLimitSpec, StopSpec, TimerSpec } from './types.js';

const NAME_RE = new RegExp(SERVICE_NAME_PATTERN);

/** A config file as read: absolute path, the name used in messages, and its directory. */
export interface Origin {
  readonly abs: string;
  readonly display: string;
  readonly dir: string;
}

/** The origin of a file named by `written` (relative to `from` unless absolute). */
export function originOf(written: string, from: Origin): Origin {
  const abs = resolve(from.dir, written);
  const display = isAbsolute(written) || isAbsolute(from.display) ? abs : join(dirname(from.display), relative(from.dir, abs));
  return { abs, display, dir: dirname(abs) };
}

/** What check.ts produced for a service table (only keys that were valid are present). */
interface Checked {
  kind?: ServiceKind;
  command?: string[];
  cwd?: string;
  env?: Record<string, string>;
  envFile?: Located[];
  autostart: boolean;
  restart: RestartPolicy;
  backoff: BackoffSpec;
  startLimit: StartLimitSpec;
  successCodes: number[];
  noRestartCodes: number[];
  stop: StopSpec;
  log: Partial<LogSpec>;
  provides?: Located[];
  onDependencyRestart: OnDependencyRestart;
  ready?: DraftReady;
  readyTimeout: number;
  watchdog?: number;
  sockets?: Located[];
  pidFile?: string;
  user?: string;
  group?: string;
  umask?: string;
  nice?: number;
  clearEnv: boolean;
  rlimits?: Record<string, number>;
  liveness?: DraftProbe;
  startup?: DraftProbe;
  onChange: 'restart' | 'defer';
  schedule?: string;
  every?: number;
  timezone?: string;
  overlap: TimerSpec['overlap'];
  maxRuns?: number;
  runOnStart: boolean;
  processes?: CheckedProcess[];
  onProcessExit: 'restart-process' | 'restart-service';
  remote?: RemoteRef;
}

/** One checked [[services.NAME.processes]] table. */
interface CheckedProcess {
  name?: string;
  command?: string[];
  cwd?: string;
  env?: Record<string, string>;
  ready?: DraftReady;
}

/** Keys of a service that belong to each process when it has [[processes]]. */
const PER_PROCESS = ['ready', 'watchdog', 'sockets', 'pid_file', 'liveness', 'startup'] as const;

/** The separator of a process's service name, NAME:PROC (':' is not allowed in names). */
export const PROCESS_SEP = ':';

/** A service before link.ts has resolved the names in its requires, wants and after. */
export type BaseSpec = Omit<ServiceSpec, 'requires' | 'wants' | 'after'>;

/** Builds the spec, or undefined when something (reported to `issues`) is wrong. Partial when
 *  check.ts reported problems; the loader then discards it. */
export function buildService(entry: MapEntry, origin: Origin, globalLog: LogSpec, issues: Issues): BaseSpec | undefined {
  const c = entry.value as unknown as Checked;
  const field = `services.${entry.key}`;
  const env = readEnvFiles(entry.key, c.envFile ?? [], origin, issues);
  const multi = c.processes !== undefined || entry.value['processes'] !== undefined;
  const command = c.kind === 'target' || multi || c.remote ? [] : c.command;
  if (multi && c.remote) issues.add(entry.loc, `${field}.remote`, { message: '"remote" is not allowed together with processes', hint: 'a remote service runs on its own node: declare its processes there' });
  if (multi) {
    for (const k of PER_PROCESS) {
      if (c[k === 'pid_file' ? 'pidFile' : k] !== undefined) issues.add(entry.loc, `${field}.${k}`, { message: `${JSON.stringify(k)} is not allowed together with processes`, hint: `give it to the process it is about, in its [[services.${entry.key}.processes]] table (ready), or split the service` });
    }
  }
  const ready = placeReady(c.ready, origin.dir, `${field}.ready`, issues);
  const liveness = c.liveness ? placeProbe(c.liveness, origin.dir, `${field}.liveness`, issues) : null;
  const startup = c.startup ? placeProbe(c.startup, origin.dir, `${field}.startup`, issues) : null;
  if (env === undefined || c.kind === undefined || command === undefined || c.provides === undefined) return undefined;
  return {
    name: entry.key,
    kind: c.kind,
    command,
    cwd: resolve(origin.dir, c.cwd ?? '.'),
    env: Object.assign(env, c.env),
    autostart: c.autostart,
    restart: c.restart,
    backoff: c.backoff,
    startLimit: c.startLimit,
    successCodes: c.successCodes,
    noRestartCodes: c.noRestartCodes,
    stop: c.stop,
    log: { ...globalLog, ...c.log },
    provides: c.provides.map((p) => p.value),
    onDependencyRestart: c.onDependencyRestart,
    ready,
    readyTimeout: c.readyTimeout,
    watchdog: c.watchdog ?? null,
    sockets: (c.sockets ?? []).map((l) => resolve(origin.dir, l.value)),
    pidFile: c.pidFile !== undefined ? resolve(origin.dir, c.pidFile) : null,
    privileges: {
      user: c.user ?? null,
      group: c.group ?? null,
      umask: checkUmask(c.umask, `${field}.umask`, entry, issues),
      nice: c.nice ?? null,
      clearEnv: c.clearEnv,
      rlimits: { ...(c.rlimits ?? {}) },
    },
    liveness,
    startup,
    onChange: c.onChange,
    timer: c.kind === 'timer' ? timerOf(c) : null,
    processOf: null,
    processes: multi ? (c.processes ?? []).map((p) => `${entry.key}${PROCESS_SEP}${p.name}`) : [],
    onProcessExit: c.onProcessExit,
    remote: c.remote?.node !== undefined && c.remote.service !== undefined ? { node: c.remote.node, service: c.remote.service } : null,
    source: { file: origin.abs, line: entry.loc.line },
  };
}

/**
 * The processes of a multi-process service, each as a service of its own named NAME:PROC: the
 * service's settings with the process's command, cwd, env and readiness. Undefined when one of
 * them is wrong (reported).
 */
export function buildProcesses(entry: MapEntry, origin: Origin, parent: BaseSpec, issues: Issues): BaseSpec[] | undefined {
  const c = entry.value as unknown as Checked;
  const field = `services.${entry.key}.processes`;
  const out: BaseSpec[] = [];
  const seen = new Set<string>();
  let ok = true;
  for (const [i, p] of (c.processes ?? []).entries()) {
    if (p.name === undefined || p.command === undefined) {
      ok = false;
      continue;
    }
    if (!NAME_RE.test(p.name) || `${entry.key}${PROCESS_SEP}${p.name}`.length > 64) {
      issues.add(entry.loc, `${field}[${i}].name`, { expected: 'a name of letters, digits, _ . @ - (starting with a letter or digit), at most 64 characters with the service name', received: JSON.stringify(p.name) });
      ok = false;
      continue;
    }
    if (seen.has(p.name)) {
      issues.add(entry.loc, `${field}[${i}].name`, { message: `process ${JSON.stringify(p.name)} is defined twice in ${entry.key}`, hint: 'give each process of a service its own name' });
      ok = false;
      continue;
    }
    seen.add(p.name);
    out.push({
      ...parent,
      name: `${entry.key}${PROCESS_SEP}${p.name}`,
      kind: 'longrun',
      command: p.command,
      cwd: p.cwd !== undefined ? resolve(origin.dir, p.cwd) : parent.cwd,
      env: { ...parent.env, ...(p.env ?? {}) },
      ready: placeReady(p.ready, origin.dir, `${field}[${i}].ready`, issues),
      autostart: false,
      provides: [],
      processOf: entry.key,
      processes: [],
    });
  }
  return ok ? out : undefined;
}

/** The TimerSpec of a timer; check.ts has already required exactly one of schedule and every. */
function timerOf(c: Checked): TimerSpec {
  return {
    schedule: c.schedule ?? null,
    every: c.every ?? null,
    timezone: c.timezone ?? null,
    overlap: c.overlap,
    maxRuns: c.maxRuns ?? null,
    runOnStart: c.runOnStart,
  };
}

/** Reads the env files in order (later wins); undefined if any is missing or has a bad line. */
function readEnvFiles(name: string, files: readonly Located[], origin: Origin, issues: Issues): Record<string, string> | undefined {
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  const field = `services.${name}.env_file`;
  let ok = true;
  for (const f of files) {
    const file = originOf(f.value, origin);
    let text: string;
    try {
      text = readFileSync(file.abs, 'utf8');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? String(e);
      issues.add(f.loc, field, { message: `cannot read env file ${file.display}: ${why}`, received: JSON.stringify(f.value) });
      ok = false;
      continue;
    }
    const parsed = parseEnvFile(text);
    for (const err of parsed.errors) {
      const received = JSON.stringify(err.text.length > 60 ? `${err.text.slice(0, 59)}…` : err.text);
      issues.forFile(file.display).add({ line: err.line, column: err.column }, field, { message: `${err.message}, got ${received}`, received });
      ok = false;
    }
    Object.assign(env, parsed.vars);
  }
  return ok ? env : undefined;
}

/** An octal umask ("022", "0077"), or null; anything else is reported. */
function checkUmask(raw: string | undefined, field: string, entry: MapEntry, issues: Issues): string | null {
  if (raw === undefined) return null;
  if (/^0?[0-7]{3}$/.test(raw)) return raw;
  issues.add(entry.loc, field, { received: JSON.stringify(raw), expected: 'an octal mask like "022" or "0077"' });
  return null;
}
