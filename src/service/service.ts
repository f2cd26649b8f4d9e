// One supervised service: the runtime half of the state table. It owns its timers and
// waiters and talks to the outside world only through its host.
import type { ServiceSpec } from '../config/types.js';
import type { ExitInfo, ServiceState } from '../protocol/api.js';
import type { ExitEvent } from '../protocol/keeper.js';
import type { Svc } from './actions.js';
import { StartLimiter } from './backoff.js';
import type { SvcEvent } from './events.js';
import { TABLE } from './table.js';

const MAX_EXITS = 10;

/** What a service needs from the controller. */
export interface ServiceHost {
  spawn(spec: ServiceSpec): Promise<{ pid: number; startTime: number; spawnedAt: string }>;
  signal(pid: number, signal: string): Promise<void>;
  changed(svc: Service, reason: string | null): void;
  note(svc: Service, message: string): void;
  /** The service, still running, stopped being ready or became ready again (svc.unready). */
  readiness(svc: Service): void;
}

/** Settled outcome of a start or stop request. */
export interface Outcome {
  readonly ok: boolean;
  readonly state: ServiceState;
  readonly message: string;
}

type Want = 'up' | 'down' | 'spawned';
type Waiter = { want: Want; resolve: (o: Outcome) => void };

export class Service implements Svc {
  state: ServiceState = 'stopped';
  since = new Date().toISOString();
  reason: string | null = null;
  pid: number | null = null;
  startTime = 0;
  spawnedAt: string | null = null;
  spawnedMono = 0;
  readyAt: string | null = null;
  nextRestartAt: string | null = null;
  restarts = 0;
  failures = 0;
  enabled = true;
  pendingStart = false;
  pendingStop = false;
  disableAfterStop = false;
  forced = false;
  failure: string | null = null;
  /** The last log write problem the keeper reported (cleared when logging resumes). */
  logError: { error: string | null; dropped: number; since: string } | null = null;
  /** The last STATUS= text from sd_notify. */
  statusText: string | null = null;
  /** Running but no longer ready (its readiness probe fails, its ready file is gone): why. */
  unready: string | null = null;
  lastProbe: { kind: 'ready' | 'startup' | 'liveness'; ok: boolean; at: string; detail: string } | null = null;
  exits: ExitInfo[] = [];
  /** Requests made on this service (start, stop, restart…): a newer one supersedes an older. */
  requests = 0;
  /** What a person last asked for (start → up, stop → down); null: follow `autostart`. */
  wanted: 'up' | 'down' | null = null;
  /** A new definition waiting for the next stop or crash (reload with on_change = "defer"). */
  pending: ServiceSpec | null = null;
  readonly limiter: StartLimiter;
  #backoffTimer: { cancel(): void } | null = null;
  #stopTimer: NodeJS.Timeout | null = null;
  #stableTimer: NodeJS.Timeout | null = null;
  #readyTimer: NodeJS.Timeout | null = null;
  #watchdogTimer: NodeJS.Timeout | null = null;
  #watchdogMs: number | null = null;
  #waiters: Waiter[] = [];
  #refusal: string | null = null;

  constructor(
    public spec: ServiceSpec,
    private readonly host: ServiceHost,
  ) {
    this.limiter = new StartLimiter(spec.startLimit);
  }

  get name(): string {
    return this.spec.name;
  }

  /** Feeds one event through the table. */
  dispatch(ev: SvcEvent): void {
    TABLE[this.state][ev.type](this, ev);
  }

  /** Starts and resolves once the service is running, or has given up. */
  start(): Promise<Outcome> {
    this.#refusal = null;
    this.dispatch({ type: 'start' });
    if (this.#refusal !== null) return Promise.resolve({ ok: false, state: this.state, message: this.#refusal });
    return this.#wait('up');
  }

  /** Stops and resolves once no process of it is left. */
  stop(): Promise<Outcome> {
    this.dispatch({ type: 'stop' });
    return this.#wait('down');
  }

  /** Resolves once a process of this service exists (ok), or it gave up (not ok). */
  whenSpawned(): Promise<Outcome> {
    return this.#wait('spawned');
  }

  #wait(want: Want): Promise<Outcome> {
    const settled = this.#settled(want);
    if (settled) return Promise.resolve(settled);
    return new Promise((resolve) => this.#waiters.push({ want, resolve }));
  }

  #settled(want: Want): Outcome | null {
    const s = this.state;
    const busy = this.pendingStart || this.pendingStop;
    if (want === 'spawned') {
      if (this.pid !== null || s === 'running' || s === 'done') return { ok: true, state: s, message: 'started' };
      if (s === 'failed' || s === 'disabled' || s === 'stopped') return { ok: false, state: s, message: this.reason ?? s };
      return null;
    }
    if (want === 'up') {
      // A one-shot has started successfully only once it is done.
      const up = this.spec.kind === 'oneshot' ? s === 'done' : s === 'running' || s === 'done';
      if (up && !busy && this.unready === null) return { ok: true, state: s, message: s };
      // The attempt this start made failed; respawns go on in the background.
      if (s === 'backoff' && !busy) return { ok: false, state: s, message: this.reason ?? s };
      if (s === 'failed' || s === 'disabled' || (s === 'stopped' && !busy)) return { ok: false, state: s, message: this.reason ?? s };
      return null;
    }
    // A stop is done once its process is gone, even if another client's start is queued to
    // run next: that start is a later request with its own answer (the last request wins).
    if ((s === 'stopped' || s === 'failed' || s === 'disabled' || s === 'done') && !this.pendingStop) return { ok: true, state: s, message: s };
    return null;
  }

  /** True if this service should run now that the daemon is up. */
  get meantToRun(): boolean {
    return this.enabled && (this.wanted === 'up' || (this.wanted === null && this.spec.autostart));
  }

  /** Swaps in a new definition now. */
  redefine(spec: ServiceSpec): void {
    this.spec = spec;
    this.pending = null;
    this.limiter.setSpec(spec.startLimit);
  }

  go(state: ServiceState, reason: string | null = null): void {
    const changed = state !== this.state;
    // A deferred definition takes effect once no process of the old one runs.
    if (this.pending && (state === 'stopped' || state === 'backoff' || state === 'failed' || state === 'done')) {
      this.redefine(this.pending);
    }
    this.state = state;
    this.reason = reason;
    if (state !== 'running') this.unready = null;
    if (changed) this.since = new Date().toISOString();
    if (state !== 'running') this.#clearStable();
    if (state !== 'starting') this.#clearReadyTimer();
    if (state === 'running' && changed) this.kickWatchdog();
    if (state !== 'running' && this.#watchdogTimer) {
      clearTimeout(this.#watchdogTimer);
      this.#watchdogTimer = null;
      this.#watchdogMs = null;
    }
    if (state !== 'backoff') this.nextRestartAt = null;
    if (state === 'stopped' || state === 'failed' || state === 'disabled' || state === 'backoff') this.pid = null;
    this.host.changed(this, reason);
    this.#settleWaiters();
  }

  #settleWaiters(): void {
    this.#waiters = this.#waiters.filter((w) => {
      const o = this.#settled(w.want);
      if (o) w.resolve(o);
      return !o;
    });
  }

  requestSpawn(): void {
    this.readyAt = null;
    if (this.spec.kind === 'target') {
      // No process: a target is up once its requirements are (the controller checked them).
      queueMicrotask(() => this.dispatch({ type: 'ready' }));
      return;
    }
    this.host.spawn(this.spec).then(
      (p) => this.dispatch({ type: 'spawned', ...p }),
      (err: unknown) => this.dispatch({ type: 'spawn-failed', error: err instanceof Error ? err.message : String(err) }),
    );
  }

  recordSpawn(pid: number, startTime: number, spawnedAt: string): void {
    this.pid = pid;
    this.startTime = startTime;
    this.spawnedAt = spawnedAt;
    this.spawnedMono = performance.now();
    this.host.changed(this, null);
    this.#settleWaiters();
    // With no mechanism declared a service is ready once spawned; otherwise it has
    // ready_timeout to say so. A one-shot stays starting until it exits.
    if (this.state !== 'starting' || this.spec.kind === 'oneshot') return;
    if (this.spec.ready.kind === 'none' && this.spec.sockets.length === 0 && this.spec.pidFile === null) {
      this.dispatch({ type: 'ready' });
      return;
    }
    this.#clearReadyTimer();
    this.#readyTimer = setTimeout(() => {
      this.#readyTimer = null;
      this.dispatch({ type: 'not-ready', why: `not ready within ${this.spec.readyTimeout} ms` });
    }, this.spec.readyTimeout);
  }

  /** Hook: the launcher of a pid_file service exited successfully (the daemon may be adoptable now). */
  onLauncherDone: (() => void) | null = null;

  launcherDone(): void {
    this.pid = null;
    this.onLauncherDone?.();
  }

  /** The daemon named in the pid file is now the main process: it is ready. */
  adoptDaemon(pid: number, startTime: number, spawnedAt: string): void {
    if (this.state !== 'starting') return;
    this.pid = pid;
    this.startTime = startTime;
    this.spawnedAt = spawnedAt;
    this.note(`daemon ${pid} from ${this.spec.pidFile} is now the main process`);
    this.dispatch({ type: 'ready' });
  }

  /** A readiness report for process `pid` (stale reports from an old process are ignored). */
  readyFrom(pid: number | null): void {
    if (pid !== null && pid !== this.pid) return;
    if (this.state === 'running') {
      this.#setUnready(null);
      return;
    }
    this.dispatch({ type: 'ready' });
  }

  /**
   * Process `pid`, already running and ready, is no longer ready. It keeps running (readiness
   * is not liveness); status shows why, and a start that waits for it waits until it is ready
   * again.
   */
  unreadyFrom(pid: number | null, why: string): void {
    if ((pid !== null && pid !== this.pid) || this.state !== 'running') return;
    this.#setUnready(why);
  }

  #setUnready(why: string | null): void {
    if (this.unready === why) return;
    this.unready = why;
    this.host.readiness(this);
    this.#settleWaiters();
  }

  /** EXTEND_TIMEOUT_USEC: the service asks for more time to become ready, from now. */
  extendReadyTimeout(ms: number): void {
    if (this.state !== 'starting' || !this.#readyTimer) return;
    this.#clearReadyTimer();
    this.#readyTimer = setTimeout(() => {
      this.#readyTimer = null;
      this.dispatch({ type: 'not-ready', why: `not ready within the ${Math.round(ms)} ms it asked for (EXTEND_TIMEOUT_USEC)` });
    }, ms);
  }

  /** WATCHDOG=1: the service is alive; the next one is due within the watchdog interval. */
  kickWatchdog(): void {
    if (this.#watchdogTimer) clearTimeout(this.#watchdogTimer);
    this.#watchdogTimer = null;
    const ms = this.#watchdogMs ?? this.spec.watchdog;
    if (ms === null || this.state !== 'running') return;
    this.#watchdogTimer = setTimeout(() => {
      this.#watchdogTimer = null;
      this.dispatch({ type: 'unhealthy', why: `watchdog: no WATCHDOG=1 within ${Math.round(ms)} ms` });
    }, ms);
  }

  /** WATCHDOG_USEC=…: the service changes its own watchdog interval. */
  watchdogInterval(ms: number): void {
    this.#watchdogMs = ms;
    this.kickWatchdog();
  }

  #clearReadyTimer(): void {
    if (this.#readyTimer) clearTimeout(this.#readyTimer);
    this.#readyTimer = null;
  }

  markReady(): void {
    this.#clearReadyTimer();
    this.readyAt = new Date().toISOString();
    this.#clearStable();
    // Stable uptime resets the back-off and the failure count.
    this.#stableTimer = setTimeout(() => {
      this.#stableTimer = null;
      this.failures = 0;
    }, this.spec.backoff.resetAfter);
  }

  sendSignal(signal: string): void {
    const pid = this.pid;
    if (pid === null) return;
    this.host.signal(pid, signal).catch((err: unknown) => this.note(`signal ${signal} failed: ${String(err)}`));
  }

  armBackoff(ms: number): void {
    this.cancelBackoff();
    this.nextRestartAt = new Date(Date.now() + ms).toISOString();
    const elapsed = (): void => {
      this.#backoffTimer = null;
      this.dispatch({ type: 'backoff-elapsed' });
    };
    // No delay: at the next turn of the event loop, not after setTimeout's 1 ms minimum.
    if (ms <= 0) {
      const i = setImmediate(elapsed);
      this.#backoffTimer = { cancel: () => clearImmediate(i) };
    } else {
      const t = setTimeout(elapsed, ms);
      this.#backoffTimer = { cancel: () => clearTimeout(t) };
    }
  }

  cancelBackoff(): void {
    this.#backoffTimer?.cancel();
    this.#backoffTimer = null;
  }

  armStopTimer(): void {
    this.clearStopTimer();
    this.#stopTimer = setTimeout(() => {
      this.#stopTimer = null;
      this.dispatch({ type: 'stop-timeout' });
    }, this.spec.stop.timeout);
  }

  clearStopTimer(): void {
    if (this.#stopTimer) clearTimeout(this.#stopTimer);
    this.#stopTimer = null;
  }

  #clearStable(): void {
    if (this.#stableTimer) clearTimeout(this.#stableTimer);
    this.#stableTimer = null;
  }

  recordExit(ev: ExitEvent, requested: boolean): ExitInfo {
    const spawned = this.spawnedAt ? Date.parse(this.spawnedAt) : Date.parse(ev.at);
    const info: ExitInfo = {
      pid: ev.pid,
      code: ev.code,
      signal: ev.signal,
      at: ev.at,
      forced: requested && this.forced,
      requested,
      durationMs: Math.max(0, Date.parse(ev.at) - spawned),
    };
    this.exits = [info, ...this.exits].slice(0, MAX_EXITS);
    this.pid = null;
    this.forced = false;
    return info;
  }

  refuse(message: string): void {
    this.#refusal = message;
  }

  note(message: string): void {
    this.host.note(this, message);
  }

  /** Cancels every timer (controller shutting down; processes stay with the keeper). */
  dispose(): void {
    this.#clearReadyTimer();
    if (this.#watchdogTimer) clearTimeout(this.#watchdogTimer);
    this.cancelBackoff();
    this.clearStopTimer();
    this.#clearStable();
  }
}
