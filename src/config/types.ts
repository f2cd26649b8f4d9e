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

/** Where a definition came from, for messages that name file and line. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** One validated service definition. */
export interface ServiceSpec {
  readonly name: string;
  /** argv; a string command in TOML becomes ["/bin/sh", "-c", string]. */
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
  readonly source: SourceRef;
}

/** Daemon-wide settings. */
export interface GlobalSpec {
  readonly log: LogSpec;
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
