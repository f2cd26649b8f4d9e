// The API's wire shapes: one versioned envelope for every reply.
import type { ErrorCode } from './errors.js';

export const API_VERSION = 1;

/** The error half of an envelope. */
export interface ApiError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string;
  readonly details?: unknown;
}

/** Every API reply. */
export type Envelope<T> =
  | { readonly kelpie: number; readonly ok: true; readonly result: T }
  | { readonly kelpie: number; readonly ok: false; readonly error: ApiError };

/** How a process ended, in status and events (execa's shape: a failure has a success's fields). */
export interface ExitInfo {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: string;
  /** Killed with SIGKILL after the stop timeout. */
  readonly forced: boolean;
  /** A stop was requested (not a crash). */
  readonly requested: boolean;
  readonly durationMs: number;
}

/** Service states (see docs/architecture.md). */
export type ServiceState =
  | 'stopped'
  | 'waiting'
  | 'starting'
  | 'running'
  | 'unhealthy'
  | 'stopping'
  | 'backoff'
  | 'failed'
  | 'done'
  | 'disabled'
  /** A remote service whose node cannot be reached now (fleet links, docs/fleet.md). */
  | 'unreachable';

/** One row of `status`. */
export interface ServiceSummary {
  readonly name: string;
  readonly state: ServiceState;
  readonly since: string;
  readonly pid: number | null;
  readonly restarts: number;
  /** Why the service is in this state, when there is something to say. */
  readonly reason: string | null;
  /** Running, but no longer ready: why (a readiness probe failing, the ready file removed). */
  readonly unready: string | null;
  readonly autostart: boolean;
  readonly enabled: boolean;
  /** How readiness is known: "notify", "fd 3", "file", "log /re/", "tcp 127.0.0.1:80", … or "none". */
  readonly readiness: string;
  /** Spawn to ready of the current run; null while not ready or not running. */
  readonly timeToReadyMs: number | null;
  /** For a proxy: the node and service it mirrors. */
  readonly remote?: { readonly node: string; readonly service: string };
}

/** `status SVC`. */
export interface ServiceDetail extends ServiceSummary {
  readonly command: readonly string[];
  readonly cwd: string;
  readonly restartPolicy: string;
  readonly spawnedAt: string | null;
  readonly readyAt: string | null;
  readonly nextRestartAt: string | null;
  readonly exits: readonly ExitInfo[];
  readonly logFile: string;
  readonly logLines: readonly LogEntry[];
  readonly source: { readonly file: string; readonly line: number };
  /** A reloaded definition waits for the next stop or crash. */
  readonly pending: boolean;
  readonly kind: string;
  readonly requires: ReadonlyArray<{ readonly service: string; readonly condition: string }>;
  readonly wants: readonly string[];
  readonly after: readonly string[];
  readonly provides: readonly string[];
  /** Services that require this one. */
  readonly requiredBy: readonly string[];
  /** Set while the service's log file cannot be written (e.g. ENOSPC); lines are dropped. */
  readonly logError: { readonly error: string | null; readonly dropped: number; readonly since: string } | null;
  /** For a timer: its schedule, next run, remaining occurrences; null otherwise. */
  readonly timer: { readonly schedule: string; readonly nextRunAt: string | null; readonly remaining: number | null; readonly runs: number; readonly paused: boolean; readonly queued: boolean } | null;
  /** The last STATUS= a notify service sent. */
  readonly statusText: string | null;
  readonly lastProbe: { readonly kind: 'ready' | 'startup' | 'liveness'; readonly ok: boolean; readonly at: string; readonly detail: string } | null;
  /** For a multi-process service: each of its processes (services NAME:PROC); else []. */
  readonly processes: readonly ServiceSummary[];
}

/** `GET /v1/graph`. */
export interface GraphResult {
  readonly text: string;
  readonly dot: string;
  /** The same graph as data (for the dashboard's drawing): every service and its kind… */
  readonly nodes: ReadonlyArray<{ readonly name: string; readonly kind: string }>;
  /** …and every edge, from the dependent to what it depends on: requires (label: condition), wants, after. */
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string; readonly label: string }>;
}

/** The daemon half of `status`. */
export interface DaemonInfo {
  readonly keeper_pid: number;
  readonly controller_pid: number;
  readonly version: string;
  /** Build id of the running controller (see src/protocol/version.ts). */
  readonly build: string;
  readonly keeper_version: string;
  readonly keeper_build: string;
  readonly home: string;
  readonly config: string;
  readonly started_at: string;
  readonly controller_started_at: string;
  readonly controller_restarts: number;
  /** This node's identity and TCP/TLS address ([api] listen), for capability URLs. */
  readonly node?: NodeInfo;
  /** The sequence number of the latest event: a stream opened with ?after= this misses nothing since. */
  readonly event_seq?: number;
}

/** A node as others see it. */
export interface NodeInfo {
  /** base32 SHA-256 of the node's public key (docs/fleet.md). */
  readonly fingerprint: string;
  /** "host:port" the API is served at over TLS, or null when only on the socket. */
  readonly listen: string | null;
}

/** One remote node as this daemon's fleet link sees it (`GET /v1/fleet`). */
export interface FleetNode {
  readonly name: string;
  /** kelpie://FPR…@host:port, without the capability. */
  readonly where: string;
  readonly fingerprint: string;
  readonly link: 'connecting' | 'up' | 'unreachable' | 'refused';
  /** Why it is not up, when it is not. */
  readonly error: string | null;
  readonly since: string;
  /** Local proxies of this node's services. */
  readonly proxies: readonly { readonly name: string; readonly service: string }[];
  /** Every service of the node the capability lets this daemon see, as last known. */
  readonly services: readonly { readonly name: string; readonly state: ServiceState; readonly since: string; readonly reason: string | null }[];
}

/** `GET /v1/status`. */
/** POST /v1/shutdown's reply, besides `shutting_down: true`. */
export interface ShutdownPlan {
  /** The keeper's PID, as the keeper sees it (another PID namespace may number it otherwise). */
  readonly keeper_pid: number;
  /** The services being stopped: every local one. */
  readonly stopping: string[];
  /** Remote services, left running on their nodes. */
  readonly remote: number;
}

export interface StatusResult {
  readonly daemon: DaemonInfo;
  readonly services: readonly ServiceSummary[];
}

/** Outcome of one service in a start/stop/restart request. */
export interface ActionOutcome {
  readonly name: string;
  readonly ok: boolean;
  readonly state: ServiceState;
  readonly message: string;
}

/** An event on `GET /v1/events`. */
export interface KelpieEvent {
  readonly seq: number;
  readonly at: string;
  readonly service: string | null;
  readonly type: string;
  readonly state?: ServiceState;
  readonly pid?: number | null;
  readonly message?: string;
  readonly exit?: ExitInfo;
}

/** A log line as the API returns it. */
export interface LogEntry {
  readonly service: string;
  readonly at: string;
  readonly stream: string;
  readonly text: string;
}

/** What one service underwent in a reload, add or remove. */
export interface Applied {
  readonly name: string;
  readonly action: 'started' | 'added' | 'stopped-and-removed' | 'updated-in-place' | 'restarted' | 'redefined' | 'deferred';
  readonly ok: boolean;
  readonly message: string;
}

/** `POST /v1/reload`: the plan, and what was done (nothing for a dry run). */
export interface ReloadResult {
  readonly plan: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: ReadonlyArray<{ readonly name: string; readonly fields: readonly string[]; readonly restart: boolean }>;
    readonly unchanged: readonly string[];
  };
  readonly applied: readonly Applied[];
}

/** Actions a capability may do on one service, as `GET /v1/access` lists them. */
export type ServiceAction = 'start' | 'stop' | 'restart' | 'signal' | 'logs';

/** `GET /v1/access`: what the caller's capability allows, so a UI shows only what will work. */
export interface AccessResult {
  /** Every action the capability names (see docs/capabilities.md). */
  readonly actions: readonly string[];
  /** Whether a `services` caveat limits it. */
  readonly limited: boolean;
  /** For each service the caller may see: the service actions it may do there. */
  readonly services: Readonly<Record<string, readonly ServiceAction[]>>;
}

/** One service's resource use, summed over its process group (from /proc). */
export interface ServiceUsage {
  readonly name: string;
  readonly pid: number;
  /** Live processes in the group. */
  readonly processes: number;
  /** User + system CPU of the group, including its reaped children. */
  readonly cpuSeconds: number;
  /** CPU use since the previous sample, in percent of one core; null on the first sample. */
  readonly cpuPercent: number | null;
  /** Resident memory of the group. */
  readonly memoryBytes: number;
}

/** `GET /v1/usage`: one sample of every running service (services without a process are left out). */
export interface UsageSample {
  readonly at: string;
  readonly services: readonly ServiceUsage[];
  /** Whether the daemon samples on its timer now: only while a usage stream is open. */
  readonly sampling: boolean;
}

/** `POST /v1/dashboard`: a one-time login link for the web dashboard. */
export interface DashboardLink {
  readonly url: string;
  /** The link works once, until then. */
  readonly expiresAt: string;
}
