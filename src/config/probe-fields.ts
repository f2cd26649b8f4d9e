// The keys of `ready`, `liveness` and `startup` tables, for fields.ts. Each table names exactly
// one mechanism; probes (tcp, http, unix, exec) also take timing keys, http also `status`.
// probe.ts enforces those rules, schema.ts writes them into the JSON Schema.
import type { Field, Fields } from './fields.js';

/** true (notify, file), a regex (log), a port or "host:port" (tcp), an http(s) URL (http), a
 *  status or status range (status), a path (unix), a non-empty argv array (exec). */
export type ProbeValue = 'true' | 'regex' | 'tcp' | 'url' | 'status' | 'path' | 'argv';

/** Which table: readiness, liveness (while running) or startup (gates liveness). */
export type ProbeRole = 'ready' | 'liveness' | 'startup';

/** Every mechanism, in the order they are listed in messages. */
export const MECHANISMS = ['notify', 'fd', 'file', 'log', 'tcp', 'http', 'unix', 'exec'] as const;
/** The mechanisms that are probes: only they take TIMING keys, and only they may be liveness or startup. */
export const PROBES: readonly string[] = ['tcp', 'http', 'unix', 'exec'];
/** Keys only probes take. */
export const TIMING: readonly string[] = ['interval', 'timeout', 'initial_delay', 'success_threshold', 'failure_threshold'];
/** The key only http takes. */
export const STATUS = 'status';

const mechanisms: Readonly<Record<(typeof MECHANISMS)[number], Field>> = {
  notify: {
    kind: { k: 'probeValue', v: 'true' },
    doc: 'sd_notify: the service gets $NOTIFY_SOCKET and is ready when it sends READY=1 (systemd Type=notify).',
  },
  fd: {
    kind: { k: 'integer', min: 3, max: 1023 },
    doc: 'Notification fd (s6, dinit): the service is ready when it writes a newline to this fd (3 to 1023).',
  },
  file: { kind: { k: 'probeValue', v: 'true' }, doc: 'Ready once the service creates the file named by $KELPIE_READY_FILE.' },
  log: { kind: { k: 'probeValue', v: 'regex' }, doc: 'Ready when a line of its output matches this JavaScript regular expression.' },
  tcp: {
    kind: { k: 'probeValue', v: 'tcp' },
    doc: 'Probe: a TCP connect succeeds; a port (on 127.0.0.1) or "host:port" ("[::1]:6380" for IPv6).',
  },
  http: { kind: { k: 'probeValue', v: 'url' }, doc: 'Probe: a GET of this http:// or https:// URL answers with a status in `status`.' },
  unix: {
    kind: { k: 'probeValue', v: 'path' },
    doc: 'Probe: a connect to this unix socket succeeds; relative to the directory of the file defining the service.',
  },
  exec: {
    kind: { k: 'probeValue', v: 'argv' },
    doc: 'Probe: this command (an array of strings, no shell) exits 0; runs in the service\'s working directory.',
  },
};

const status: Field = {
  kind: { k: 'probeValue', v: 'status' },
  default: '200-399',
  doc: 'http only: the statuses that count as success, one (204) or a range ("200-399").',
};

/** Timing defaults of one role, written as in TOML. */
interface Timing {
  readonly interval: string;
  readonly timeout: string;
  readonly initial_delay: string;
  readonly success_threshold: number;
  readonly failure_threshold: number;
}

function timing(d: Timing): Fields {
  const count = { k: 'integer', min: 1, max: 1_000_000 } as const;
  return {
    interval: { kind: { k: 'duration', min: 1 }, default: d.interval, doc: 'Probes only: time between the starts of two attempts.' },
    timeout: { kind: { k: 'duration', min: 1 }, default: d.timeout, doc: 'Probes only: an attempt taking longer fails.' },
    initial_delay: {
      kind: { k: 'duration', min: 0 },
      default: d.initial_delay,
      prop: 'initialDelay',
      doc: 'Probes only: wait this long after the spawn before the first attempt.',
    },
    success_threshold: {
      kind: count,
      default: d.success_threshold,
      prop: 'successThreshold',
      doc: 'Probes only: consecutive successes that make the probe pass.',
    },
    failure_threshold: {
      kind: count,
      default: d.failure_threshold,
      prop: 'failureThreshold',
      doc: 'Probes only: consecutive failures that make the probe fail.',
    },
  };
}

const probesOnly = Object.fromEntries(PROBES.map((m) => [m, mechanisms[m as keyof typeof mechanisms]]));

/** The keys of each role's table. */
export const probeFields: Readonly<Record<ProbeRole, Fields>> = {
  ready: {
    ...mechanisms,
    status,
    ...timing({ interval: '1s', timeout: '1s', initial_delay: '0s', success_threshold: 1, failure_threshold: 3 }),
  },
  liveness: {
    ...probesOnly,
    status,
    ...timing({ interval: '10s', timeout: '1s', initial_delay: '0s', success_threshold: 1, failure_threshold: 3 }),
  },
  startup: {
    ...probesOnly,
    status,
    ...timing({ interval: '1s', timeout: '1s', initial_delay: '0s', success_threshold: 1, failure_threshold: 30 }),
  },
};

const NO_PROCESS = 'a target has no process; give readiness to the services it requires';
/** Nothing waits for a timer (it cannot be required), so it has no readiness or probes. */
const TIMER_RUNS = 'a timer runs its command to completion at each occurrence, and nothing waits for it';

/** The readiness keys of `[services.NAME]`. */
export const readinessFields: Fields = {
  ready: {
    kind: { k: 'probe', role: 'ready', fields: probeFields.ready },
    forbiddenWhen: { key: 'kind', values: ['target', 'timer'], hint: { target: NO_PROCESS, timer: `${TIMER_RUNS}; remove ready` } },
    doc: 'How kelpie learns the service is ready, one mechanism: { notify = true }, { fd = 3 }, { file = true }, { log = "regex" }, or a probe { tcp = 6380 }, { http = "http://…" }, { unix = "path" }, { exec = ["cmd"] }. Left out: ready once spawned.',
  },
  ready_timeout: {
    kind: { k: 'duration', min: 1 },
    default: '30s',
    prop: 'readyTimeout',
    doc: 'Not ready within this long after the spawn: the start failed, and the restart policy applies.',
  },
  pid_file: {
    kind: { k: 'string' },
    prop: 'pidFile',
    forbiddenWhen: { key: 'kind', values: ['target', 'timer', 'oneshot'], hint: 'pid_file is for a long-running daemon that forks into the background' },
    doc: 'For a traditional daemon that forks into the background: the file (relative to this file) where it writes its pid. The launched process may exit; the process named in the file, once it appears holding a live pid, becomes the main process and the service is ready. A stale file is removed before each spawn.',
  },
  sockets: {
    kind: { k: 'paths' },
    forbiddenWhen: { key: 'kind', values: ['target', 'timer'], hint: 'sockets belong to a long-running service' },
    doc: 'Unix socket paths the service listens on (relative to this file). Stale socket files are removed before each spawn; with no ready mechanism, the service is ready once every one accepts a connection.',
  },
  watchdog: {
    kind: { k: 'duration', min: 1 },
    forbiddenWhen: { key: 'kind', values: ['target', 'timer', 'oneshot'], hint: 'the watchdog guards a long-running process that sends WATCHDOG=1' },
    doc: 'sd_notify watchdog: the service gets WATCHDOG_USEC and a NOTIFY_SOCKET and must send WATCHDOG=1 at least this often once ready; a missed deadline makes it unhealthy and restarts it.',
  },
  liveness: {
    kind: { k: 'probe', role: 'liveness', fields: probeFields.liveness },
    forbiddenWhen: {
      key: 'kind',
      values: ['oneshot', 'target', 'timer'],
      hint: 'liveness is checked while a longrun runs; a oneshot or a timer runs to completion, a target has no process',
    },
    doc: 'A probe (tcp, http, unix or exec) checked while the service runs; failing it makes the service unhealthy and restarts it.',
  },
  startup: {
    kind: { k: 'probe', role: 'startup', fields: probeFields.startup },
    forbiddenWhen: { key: 'kind', values: ['target', 'timer'], hint: { target: NO_PROCESS, timer: `${TIMER_RUNS}; remove startup` } },
    doc: 'A probe (tcp, http, unix or exec) that must pass once before liveness is checked, for services slow to start.',
  },
  on_change: {
    kind: { k: 'enum', values: ['restart', 'defer'] },
    default: 'restart',
    prop: 'onChange',
    doc: 'On reload, when this service\'s definition changed: restart it at once, or defer the new definition to its next restart.',
  },
};
