// Bringing services back in line with the keeper's process table after a controller
// (re)start: adopt what runs, replay exits we missed, restart what should be running.
import type { ExitEvent, ProcessEntry } from '../protocol/keeper.js';
import type { Service } from '../service/service.js';
import type { PersistedService } from '../state/encode.js';

/** Restores one service's remembered counters and history. */
export function restore(svc: Service, p: PersistedService | undefined, full: boolean): void {
  if (!p) return;
  svc.enabled = p.enabled;
  svc.wanted = p.wanted ?? null;
  if (!svc.enabled) svc.state = 'disabled';
  if (p.pending) svc.pending = p.pending;
  if (!full) return;
  svc.restarts = p.restarts;
  svc.failures = p.failures;
  svc.exits = [...p.exits];
  svc.state = p.state;
  svc.since = p.since;
  svc.reason = p.reason;
  svc.pid = p.pid;
  svc.startTime = p.startTime;
  svc.spawnedAt = p.spawnedAt;
  svc.readyAt = p.readyAt;
}

/**
 * After a controller restart: `svc` holds its persisted state. Returns true if the service
 * still has to be started by the caller.
 */
export function reconcile(svc: Service, live: ProcessEntry | undefined, missed: readonly ExitEvent[]): boolean {
  if (live) {
    // Same process as before the crash: adopt it, restarting nothing.
    svc.pid = live.pid;
    svc.startTime = live.startTime;
    svc.spawnedAt = live.spawnedAt;
    if (svc.state === 'stopping') {
      svc.dispatch({ type: 'stop-timeout' });
      return false;
    }
    // A one-shot still runs to completion; anything else was (or is now taken as) ready.
    if (svc.spec.kind === 'oneshot') {
      if (svc.state !== 'starting') svc.go('starting', null);
      return false;
    }
    if (svc.state !== 'running') svc.go('running', null);
    if (!svc.readyAt) svc.markReady();
    return false;
  }
  // State is written at most every 100 ms, so the old controller may have died before it wrote
  // the pid of a spawn: an exit of this service's process is then known by the service's name.
  // It may even have been written before the spawn (state still stopped or waiting): a process
  // of this service that exited is then one the old controller started.
  const stale = (svc.state === 'stopped' || svc.state === 'waiting') && svc.wanted !== 'down';
  // (Not one the keeper had signalled: that process was being stopped.)
  const mine = missed.filter((e) =>
    stale ? e.service === svc.name && !e.signaled : e.pid === svc.pid || (svc.pid === null && e.service === svc.name),
  );
  const last = mine[mine.length - 1];
  if (last && stale) svc.state = 'starting';
  if (last && (svc.state === 'running' || svc.state === 'starting' || svc.state === 'stopping')) {
    // It exited while no controller listened: judge the exit as if we had seen it.
    svc.pid = last.pid;
    svc.dispatch({ type: 'exit', exit: last });
    return false;
  }
  switch (svc.state) {
    case 'running':
    case 'starting':
      if (svc.pid === null) {
        svc.go('stopped', null);
        return true;
      }
      // Its exit was lost with the old controller (or never recorded): treat as a crash.
      svc.dispatch({ type: 'exit', exit: { service: svc.name, pid: svc.pid ?? 0, code: null, signal: null, at: new Date().toISOString(), leftoversKilled: 0 } });
      return false;
    case 'stopping':
      svc.go('stopped', null);
      return false;
    case 'waiting':
      // Its start was still waiting for requirements: start it again.
      svc.go('stopped', null);
      return true;
    case 'backoff':
      // Someone asked for it to stop and the old controller died before recording the stop.
      if (svc.wanted === 'down') {
        svc.go('stopped', null);
        return false;
      }
      // The old controller's timer died with it: wait one initial delay, then respawn.
      svc.armBackoff(svc.spec.backoff.initial);
      return false;
    default:
      return false;
  }
}
