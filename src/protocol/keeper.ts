// Messages between the keeper and the controller over the controller's IPC channel.
// Versioned: a controller refuses a keeper speaking another major protocol.

export const KEEPER_PROTOCOL = 1;

/** What the keeper needs to spawn one service process; all policy is decided already. */
export interface SpawnRequest {
  readonly service: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The complete environment of the process. */
  readonly env: Readonly<Record<string, string>>;
  readonly log: { readonly maxBytes: number; readonly keep: number };
  /** Readiness channels the keeper sets up for this process (the controller decides which). */
  readonly readiness?: {
    /** Bind a notify socket here (NOTIFY_SOCKET is in env already). */
    readonly notify?: string;
    /** Give the process a pipe at this fd; the first newline means ready. */
    readonly fd?: number;
    /** Remove a stale file here before spawn; its creation means ready. */
    readonly file?: string;
    /** Ready at the first output line matching this regex. */
    readonly log?: string;
  };
  /** The process forks a daemon and exits: do not kill what it leaves in its group. */
  readonly daemonizes?: boolean;
  /** Used only if the keeper must stop the service itself (no controller at shutdown). */
  readonly stop: { readonly signal: string; readonly timeoutMs: number };
}

/** One live process the keeper owns. */
export interface ProcessEntry {
  readonly service: string;
  readonly pid: number;
  /** From /proc/PID/stat: pid + start time name one process for its lifetime. */
  readonly startTime: number;
  /** Wall clock, ISO-8601 UTC. */
  readonly spawnedAt: string;
}

/** How a process ended, as the keeper saw it. */
export interface ExitEvent {
  readonly service: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: string;
  /** Other members of its process group that were still alive and got SIGKILL. */
  readonly leftoversKilled: number;
  /** The keeper had signalled its group on a controller's request (a stop, a kelpie signal). */
  readonly signaled?: boolean;
}

/** A captured log line, forwarded only while someone follows logs. */
export interface LogLine {
  readonly service: string;
  readonly at: string;
  readonly stream: 'out' | 'err';
  readonly text: string;
}

/** Where each service's log file ended (bytes, and which file by inode; 0/0 when there was none). */
export type FollowMarks = Record<string, { readonly size: number; readonly ino: number }>;

/** Controller → keeper. Requests carry an id; the keeper answers with a `reply` of the same id. */
export type ToKeeper =
  | { readonly t: 'spawn'; readonly id: number; readonly req: SpawnRequest }
  | { readonly t: 'signal'; readonly id: number; readonly pid: number; readonly signal: string }
  /** Several signals in one message (a keeper whose hello lists the 'signals' feature); the
   *  reply's value has one entry per signal: null when sent, else why not. */
  | { readonly t: 'signals'; readonly id: number; readonly list: ReadonlyArray<{ readonly pid: number; readonly signal: string }> }
  | { readonly t: 'log-limits'; readonly id: number; readonly service: string; readonly maxBytes: number; readonly keep: number }
  /** Send captured lines (on) or not. With `services`, the reply's value is a FollowMarks of
   *  their log files as they are at that moment: every later line is sent, every earlier one is
   *  in the file before its mark. */
  | { readonly t: 'follow'; readonly id: number; readonly on: boolean; readonly services?: readonly string[] }
  | { readonly t: 'ready-for-shutdown'; readonly id: number }
  | { readonly t: 'replace-controller'; readonly id: number }
  /** Take `pid` (a daemon forked by a service, re-parented to the keeper) as the service's process. */
  | { readonly t: 'adopt'; readonly id: number; readonly service: string; readonly pid: number; readonly req: SpawnRequest };

/** Keeper → controller. */
export type FromKeeper =
  | {
      readonly t: 'hello';
      readonly protocol: number;
      readonly keeperPid: number;
      readonly keeperVersion: string;
      readonly keeperBuild: string;
      readonly startedAt: string;
      /** True for the first controller of this keeper's life (a fresh `up`). */
      readonly firstBoot: boolean;
      /** Controllers started by this keeper so far, this one included. */
      readonly controllerStarts: number;
      readonly table: readonly ProcessEntry[];
      /** Exits that happened while no controller was connected, oldest first. */
      readonly missed: readonly ExitEvent[];
      /** How many events were dropped because the buffer was full. */
      readonly dropped: number;
      /** Requests this keeper understands beyond its protocol's first version ('signals'). */
      readonly features?: readonly string[];
    }
  | { readonly t: 'reply'; readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly t: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly t: 'exit'; readonly ev: ExitEvent }
  | { readonly t: 'log'; readonly line: LogLine }
  /** A readiness channel fired (`eof`: the fd closed before any newline). */
  | { readonly t: 'ready'; readonly service: string; readonly pid: number; readonly via: 'fd' | 'file' | 'log'; readonly eof?: boolean }
  /** A ready process is no longer ready (its ready file was removed). */
  | { readonly t: 'unready'; readonly service: string; readonly pid: number; readonly via: 'file'; readonly why: string }
  /** A service's log file stopped (error) or resumed (null) taking lines; `dropped` so far. */
  | { readonly t: 'log-error'; readonly service: string; readonly error: string | null; readonly dropped: number }
  /** One sd_notify datagram; `sender` is the pid from SCM_CREDENTIALS. */
  /** `senderGroup`: the sender's process group when the keeper received it (null: gone by then). */
  | { readonly t: 'notify'; readonly service: string; readonly sender: number | null; readonly senderGroup?: number | null; readonly fields: Readonly<Record<string, string>> }
  | { readonly t: 'shutdown'; readonly reason: string };
