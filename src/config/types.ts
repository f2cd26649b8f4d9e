// The validated, frozen shape of a kelpie configuration. Nothing outside src/config/ sees raw TOML.

/** Durations are plain milliseconds once validated. */
export type Millis = number;

/** How a service is restarted when its main process exits on its own. */
export type RestartPolicy = 'always' | 'on-failure' | 'never';

/** Exponential back-off between respawns. */
export interface BackoffSpec {
  readonly initial: Millis;
  readonly max: Millis;
  /** Stable uptime after which the back-off and the failure count reset. */
  readonly resetAfter: Millis;
}

/** More than `burst` starts within `interval` puts the service in `failed` ("respawning too fast"). */
export interface StartLimitSpec {
  readonly burst: number;
  readonly interval: Millis;
}

/** Staged stop: `signal` to the process group, SIGKILL to the group after `timeout`. */
export interface StopSpec {
  readonly signal: string;
  readonly timeout: Millis;
}

/** Size-based log rotation. */
export interface LogSpec {
  readonly maxBytes: number;
  /** Rotated files kept beside the current one. */
  readonly keep: number;
}

/** longrun: runs until stopped; oneshot: runs to completion (success = exit code in success_codes);
 *  target: no process, a name for a group of requirements; timer: runs its command to completion
 *  at each occurrence of a schedule (`timer`). */
export type ServiceKind = 'longrun' | 'oneshot' | 'target' | 'timer';

/** When a timer runs (exactly one of `schedule` and `every` is set). nextRuns (timer.ts) computes
 *  the occurrences. */
export interface TimerSpec {
  /** A cron expression (5 fields, or 6 with seconds first; croner syntax) or a nickname such as
   *  "@hourly", as written. */
  readonly schedule: string | null;
  /** A fixed interval: runs at start + k·every. */
  readonly every: Millis | null;
  /** IANA time zone `schedule` is read in (null: the local zone). Only with `schedule`. */
  readonly timezone: string | null;
  /** A run still going when the next is due: skip that occurrence, or queue it (one run right
   *  after the current one ends; further occurrences meanwhile are not added). */
  readonly overlap: 'skip' | 'queue';
  /** Stop scheduling after this many runs (null: no limit). */
  readonly maxRuns: number | null;
  /** Also run once as soon as the schedule starts. */
  readonly runOnStart: boolean;
}

/** What a requirement must reach before the dependent starts. For a oneshot, "ready" means
 *  "completed": the loader records it as 'completed'. */
export type DepCondition = 'started' | 'ready' | 'completed';

/** What a service does when a service it requires restarts. */
export type OnDependencyRestart = 'ignore' | 'restart';

/** One hard dependency (`requires`), resolved to the real service name. */
export interface Requirement {
  readonly service: string;
  readonly condition: DepCondition;
  /** Line of this item in the file defining the dependent (`source.file`). */
  readonly line: number;
}

/** Where a definition came from, for messages that name file and line. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** What a probe checks. */
export type ProbeTarget =
  | { readonly type: 'tcp'; readonly host: string; readonly port: number }
  | { readonly type: 'http'; readonly url: string; readonly statusMin: number; readonly statusMax: number }
  | { readonly type: 'unix'; readonly path: string }
  | { readonly type: 'exec'; readonly argv: readonly string[] };

/** A probe with Kubernetes semantics. */
export interface ProbeSpec {
  readonly target: ProbeTarget;
  readonly interval: Millis;
  readonly timeout: Millis;
  readonly initialDelay: Millis;
  /** Consecutive successes that make the probe pass (readiness). */
  readonly successThreshold: number;
  /** Consecutive failures that make the probe fail (liveness). */
  readonly failureThreshold: number;
}

/** How kelpie learns that a service is ready. */
export type ReadySpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'notify' }
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'file' }
  | { readonly kind: 'log'; readonly pattern: string }
  | { readonly kind: 'probe'; readonly probe: ProbeSpec };

/** Per-service privileges; user and group are names or numeric ids, resolved at spawn. */
export interface PrivilegeSpec {
  readonly user: string | null;
  readonly group: string | null;
  /** Octal, as written ("022"). */
  readonly umask: string | null;
  readonly nice: number | null;
  readonly clearEnv: boolean;
  readonly rlimits: Readonly<Record<string, number>>;
}

/** One validated service definition. */
export interface ServiceSpec {
  readonly name: string;
  readonly kind: ServiceKind;
  /** argv; a string command in TOML becomes ["/bin/sh", "-c", string]. Empty for a target. */
  readonly command: readonly string[];
  /** Absolute working directory (default: the directory of the file that defined the service). */
  readonly cwd: string;
  /** Variables from `env_file` then `env` (env wins); the daemon's own environment is added at spawn. */
  readonly env: Readonly<Record<string, string>>;
  readonly autostart: boolean;
  readonly restart: RestartPolicy;
  readonly backoff: BackoffSpec;
  readonly startLimit: StartLimitSpec;
  /** Exit codes that count as success (default [0]). */
  readonly successCodes: readonly number[];
  /** Exit codes after which the service is never restarted (default [125], as s6). */
  readonly noRestartCodes: readonly number[];
  readonly stop: StopSpec;
  readonly log: LogSpec;
  /** Hard dependencies: started first (until their condition holds), stopped after this service. */
  readonly requires: readonly Requirement[];
  /** Soft dependencies: started alongside this service (no ordering); their failure does not matter. */
  readonly wants: readonly string[];
  /** Ordering only: when both are starting, this service starts after these are up. */
  readonly after: readonly string[];
  /** Aliases by which other services may name this one (already resolved in their requires/wants/after). */
  readonly provides: readonly string[];
  readonly onDependencyRestart: OnDependencyRestart;
  /** Readiness mechanism (default: none, ready when spawned). */
  readonly ready: ReadySpec;
  /** Not ready within this long: the start failed (default 30s). */
  readonly readyTimeout: Millis;
  /** Who the process runs as and with what limits (all optional). */
  readonly privileges: PrivilegeSpec;
  /** A forking daemon's pid file (absolute); the pid in it becomes the main process. */
  readonly pidFile: string | null;
  /** Unix sockets the service listens on (absolute); stale ones are removed before spawn. */
  readonly sockets: readonly string[];
  /** sd_notify watchdog interval: WATCHDOG=1 must come at least this often once ready. */
  readonly watchdog: Millis | null;
  /** Checked while running; failing it makes the service unhealthy and restarts it. */
  readonly liveness: ProbeSpec | null;
  /** Must pass once before liveness is checked (Kubernetes startupProbe). */
  readonly startup: ProbeSpec | null;
  /** Reload behaviour: restart at once (default) or defer the new definition to the next restart. */
  readonly onChange: 'restart' | 'defer';
  /** When a timer runs; null for every other kind. */
  readonly timer: TimerSpec | null;
  /** For one process of a multi-process service (`NAME:PROC`): the service it belongs to. */
  readonly processOf: string | null;
  /** For a multi-process service: its processes, as services named `NAME:PROC`; else []. */
  readonly processes: readonly string[];
  /** For a multi-process service: when one process exits, restart just it or the whole service. */
  readonly onProcessExit: 'restart-process' | 'restart-service';
  /** A proxy for a service on another node (docs/fleet.md); null for a local service. */
  readonly remote: RemoteRef | null;
  readonly source: SourceRef;
}

/** `remote = { node, service }`: the service `service` on the node `node` names. */
export interface RemoteRef {
  /** A name in [remotes] of the main config file, or in the user's remotes file. */
  readonly node: string;
  readonly service: string;
}

/** Daemon-wide settings. */
export interface GlobalSpec {
  readonly log: LogSpec;
  readonly dashboard: DashboardSpec;
  /** [api] listen: "host:port" to serve the API over TLS too, or null (the socket only). */
  readonly listen: string | null;
  /** [remotes]: node name → capability URL (a secret: keep the file 0600). */
  readonly remotes: Readonly<Record<string, string>>;
}

/** `[dashboard]`: where the web dashboard listens, and whether /metrics is served. */
export interface DashboardSpec {
  readonly listen: string;
  readonly metrics: boolean;
}

/** A whole validated configuration. */
export interface Config {
  /** Absolute path of the main config file. */
  readonly file: string;
  /** Every file read (main file first, then includes), absolute. */
  readonly files: readonly string[];
  readonly global: GlobalSpec;
  /** In file order. */
  readonly services: Readonly<Record<string, ServiceSpec>>;
}

/** One problem found while loading; `line` and `column` are 1-based, 0 when unknown. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Dotted key path, e.g. "services.web.restart". */
  readonly field: string;
  readonly message: string;
  /** The value received, rendered short, when there was one. */
  readonly received?: string;
  readonly expected?: string;
  readonly hint?: string;
}

/** Result of loading: either a config or every problem found. */
export type LoadResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };
