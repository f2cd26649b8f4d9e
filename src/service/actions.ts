// The cells of the lifecycle table. Each handler does one thing to a service; the side
// effects (keeper requests, timers, persistence) go through the Svc interface.
import type { ServiceSpec } from '../config/types.js';
import type { ExitInfo, ServiceState } from '../protocol/api.js';
import type { ExitEvent } from '../protocol/keeper.js';
import { backoffDelay, type StartLimiter } from './backoff.js';
import type { SvcEvent } from './events.js';
import { judgeExit } from './exit.js';

/** The service as the table's handlers see it. */
export interface Svc {
  readonly spec: ServiceSpec;
  readonly state: ServiceState;
  readonly limiter: StartLimiter;
  pid: number | null;
  restarts: number;
  /** Consecutive failed runs, for the back-off; reset after stable uptime. */
  failures: number;
  enabled: boolean;
  pendingStart: boolean;
  pendingStop: boolean;
  disableAfterStop: boolean;
  forced: boolean;
  /** Why the current run is a failure whatever its exit (not ready in time, unhealthy). */
  failure: string | null;
  go(state: ServiceState, reason?: string | null): void;
  requestSpawn(): void;
  recordSpawn(pid: number, startTime: number, spawnedAt: string): void;
  markReady(): void;
  sendSignal(signal: string): void;
  armBackoff(ms: number): void;
  cancelBackoff(): void;
  armStopTimer(): void;
  clearStopTimer(): void;
  recordExit(ev: ExitEvent, requested: boolean): ExitInfo;
  /** A pid_file service's launcher exited successfully; the daemon is awaited. */
  launcherDone(): void;
  refuse(message: string): void;
  note(message: string): void;
}

/** One cell of the table. */
export type Handler = (s: Svc, ev: SvcEvent) => void;

export const nop: Handler = () => {};

/** A start that is allowed by the start limit spawns; otherwise the service fails. */
function startOrFail(s: Svc, automatic: boolean): void {
  if (!s.limiter.tryStart(performance.now())) {
    s.go('failed', `respawning too fast: more than ${s.spec.startLimit.burst} starts within ${s.spec.startLimit.interval} ms`);
    return;
  }
  if (automatic) s.restarts++;
  s.go('starting', null);
  s.requestSpawn();
}

export const spawn: Handler = (s) => startOrFail(s, false);
export const spawnNow: Handler = (s) => {
  s.cancelBackoff();
  startOrFail(s, true);
};
export const respawn: Handler = (s) => startOrFail(s, true);
export const spawnAfterReset: Handler = (s) => {
  s.limiter.reset();
  s.failures = 0;
  startOrFail(s, false);
};

export const alreadyStopped: Handler = (s) => s.note('already stopped');
export const alreadyRunning: Handler = (s) => s.note('already running');
export const strayProcess: Handler = (s) => s.note('a spawn completed after the service was stopped');
export const refuseDisabled: Handler = (s) => s.refuse(`service ${s.spec.name} is disabled`);

export const recordSpawn: Handler = (s, ev) => {
  if (ev.type !== 'spawned') return;
  s.recordSpawn(ev.pid, ev.startTime, ev.spawnedAt);
  if (s.pendingStop) {
    s.pendingStop = false;
    beginStop(s, ev);
  }
};

export const stopAfterSpawn: Handler = (s, ev) => {
  // Spawned but not ready yet (or a one-shot still running): stop it now; else after spawn.
  if (s.pid !== null) beginStop(s, ev);
  else s.pendingStop = true;
};

export const spawnFailed: Handler = (s, ev) => {
  if (ev.type !== 'spawn-failed') return;
  s.pid = null;
  if (s.pendingStop) {
    s.pendingStop = false;
    s.go('stopped', `could not start: ${ev.error}`);
    return;
  }
  if (s.spec.restart === 'never') s.go('failed', `could not start: ${ev.error}`);
  else restartOrFail(s, `could not start: ${ev.error}`, true);
};

export const failStart: Handler = (s, ev) => {
  if (ev.type !== 'not-ready') return;
  if (s.pid === null) {
    // Nothing left to kill (a pid_file launcher that exited, no daemon adopted).
    if (s.spec.restart === 'never') s.go('failed', ev.why);
    else restartOrFail(s, ev.why, true);
    return;
  }
  s.failure = ev.why;
  s.note(`${ev.why}: killing its process group`);
  s.forced = true;
  s.sendSignal('SIGKILL');
};

export const toUnhealthy: Handler = (s, ev) => {
  if (ev.type !== 'unhealthy') return;
  s.failure = ev.why;
  s.go('unhealthy', ev.why);
  s.sendSignal(s.spec.stop.signal);
  s.armStopTimer();
};

export const toRunning: Handler = (s) => {
  s.markReady();
  s.go('running', null);
};

export const toWaiting: Handler = (s, ev) => {
  if (ev.type === 'wait') s.go('waiting', `waiting for ${ev.on}`);
};

export const dependencyFailed: Handler = (s, ev) => {
  if (ev.type === 'deps-failed') s.go('failed', ev.why);
};

export const beginStop: Handler = (s) => {
  // A target has no process of its own: it is down as soon as asked.
  if (s.spec.kind === 'target') {
    s.go('stopped', null);
    return;
  }
  s.go('stopping', null);
  s.forced = false;
  s.sendSignal(s.spec.stop.signal);
  s.armStopTimer();
};

export const forceKill: Handler = (s) => {
  s.forced = true;
  s.note(`did not stop within ${s.spec.stop.timeout} ms: sending SIGKILL to its process group`);
  s.sendSignal('SIGKILL');
};

export const exitedOnRequest: Handler = (s, ev) => {
  if (ev.type !== 'exit' || ev.exit.pid !== s.pid) return;
  s.clearStopTimer();
  const info = s.recordExit(ev.exit, true);
  if (s.disableAfterStop) {
    s.disableAfterStop = false;
    s.enabled = false;
    s.go('disabled', null);
    return;
  }
  s.go('stopped', info.forced ? 'stopped by SIGKILL after the stop timeout' : null);
  if (s.pendingStart) {
    s.pendingStart = false;
    spawn(s, { type: 'start' });
  }
};

export const exitedUnrequested: Handler = (s, ev) => {
  if (ev.type !== 'exit' || ev.exit.pid !== s.pid) return;
  // A pid_file launcher is meant to exit once it has forked the daemon.
  if (s.state === 'starting' && s.spec.pidFile !== null && ev.exit.code === 0 && ev.exit.signal === null) {
    s.recordExit(ev.exit, false);
    s.note('launcher exited; waiting for the daemon in the pid file');
    s.launcherDone();
    return;
  }
  s.clearStopTimer();
  const failure = s.failure;
  s.failure = null;
  const info = s.recordExit(ev.exit, false);
  // A run that failed its readiness or liveness is a failure whatever its exit code.
  if (failure !== null) {
    if (s.spec.restart === 'never') s.go('failed', failure);
    else restartOrFail(s, failure, true);
    return;
  }
  const verdict = judgeExit(s.spec, info.code, info.signal);
  if (verdict.next === 'restart') restartOrFail(s, verdict.why, verdict.failure);
  else s.go(verdict.next, verdict.why);
};

/** Back-off then respawn, unless a pending stop says otherwise. */
function restartOrFail(s: Svc, why: string, failure: boolean): void {
  if (s.pendingStop) {
    s.pendingStop = false;
    s.go('stopped', why);
    return;
  }
  if (failure) s.failures++;
  const delay = failure ? backoffDelay(s.spec.backoff, s.failures) : s.spec.backoff.initial;
  s.go('backoff', `${why}; restarting in ${delay} ms`);
  s.armBackoff(delay);
}

export const startAfterStop: Handler = (s) => {
  s.pendingStart = true;
};

export const cancelBackoff: Handler = (s) => {
  s.cancelBackoff();
  s.go('stopped', null);
};

export const clearFailure: Handler = (s) => s.go('stopped', null);

export const toDisabled: Handler = (s) => {
  s.enabled = false;
  s.go('disabled', null);
};

export const stopThenDisable: Handler = (s, ev) => {
  s.disableAfterStop = true;
  if (s.state === 'starting') s.pendingStop = true;
  else beginStop(s, ev);
};

export const disableAfterStop: Handler = (s) => {
  s.disableAfterStop = true;
};

export const cancelThenDisable: Handler = (s) => {
  s.cancelBackoff();
  toDisabled(s, { type: 'disable' });
};

export const toStoppedEnabled: Handler = (s) => {
  s.enabled = true;
  s.go('stopped', null);
};
