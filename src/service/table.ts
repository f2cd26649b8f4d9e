// The service lifecycle as a table: actions[state][event]. Every cell is named, including
// the ones with nothing to do (nop), so a reader can check the machine cell by cell.
import type { ServiceState } from '../protocol/api.js';
import type { SvcEventType } from './events.js';
import * as a from './actions.js';
import type { Handler } from './actions.js';

const { nop } = a;

export const TABLE: Record<ServiceState, Record<SvcEventType, Handler>> = {
  stopped: {
    'not-ready': nop, unhealthy: nop,
    wait: a.toWaiting, 'deps-failed': nop,
    start: a.spawn, stop: a.alreadyStopped, spawned: a.strayProcess, 'spawn-failed': nop, ready: nop,
    exit: nop, 'backoff-elapsed': nop, 'stop-timeout': nop, disable: a.toDisabled, enable: nop,
  },
  starting: {
    'not-ready': a.failStart, unhealthy: nop,
    wait: nop, 'deps-failed': nop,
    start: nop, stop: a.stopAfterSpawn, spawned: a.recordSpawn, 'spawn-failed': a.spawnFailed, ready: a.toRunning,
    exit: a.exitedUnrequested, 'backoff-elapsed': nop, 'stop-timeout': nop, disable: a.stopThenDisable, enable: nop,
  },
  running: {
    'not-ready': nop, unhealthy: a.toUnhealthy,
    wait: nop, 'deps-failed': nop,
    start: a.alreadyRunning, stop: a.beginStop, spawned: nop, 'spawn-failed': nop, ready: nop,
    exit: a.exitedUnrequested, 'backoff-elapsed': nop, 'stop-timeout': nop, disable: a.stopThenDisable, enable: nop,
  },
  unhealthy: {
    'not-ready': nop, unhealthy: nop, wait: nop, 'deps-failed': nop,
    start: nop, stop: a.beginStop, spawned: nop, 'spawn-failed': nop, ready: nop,
    exit: a.exitedUnrequested, 'backoff-elapsed': nop, 'stop-timeout': a.forceKill, disable: a.stopThenDisable, enable: nop,
  },
  stopping: {
    'not-ready': nop, unhealthy: nop,
    wait: nop, 'deps-failed': nop,
    start: a.startAfterStop, stop: nop, spawned: nop, 'spawn-failed': nop, ready: nop,
    exit: a.exitedOnRequest, 'backoff-elapsed': nop, 'stop-timeout': a.forceKill, disable: a.disableAfterStop, enable: nop,
  },
  backoff: {
    'not-ready': nop, unhealthy: nop,
    wait: nop, 'deps-failed': nop,
    start: a.spawnNow, stop: a.cancelBackoff, spawned: nop, 'spawn-failed': nop, ready: nop,
    exit: nop, 'backoff-elapsed': a.respawn, 'stop-timeout': nop, disable: a.cancelThenDisable, enable: nop,
  },
  failed: {
    'not-ready': nop, unhealthy: nop,
    wait: a.toWaiting, 'deps-failed': nop,
    start: a.spawnAfterReset, stop: a.clearFailure, spawned: nop, 'spawn-failed': nop, ready: nop,
    exit: nop, 'backoff-elapsed': nop, 'stop-timeout': nop, disable: a.toDisabled, enable: nop,
  },
  done: {
    'not-ready': nop, unhealthy: nop,
    wait: a.toWaiting, 'deps-failed': nop,
    start: a.spawnAfterReset, stop: a.clearFailure, spawned: nop, 'spawn-failed': nop, ready: nop,
    exit: nop, 'backoff-elapsed': nop, 'stop-timeout': nop, disable: a.toDisabled, enable: nop,
  },
  waiting: {
    'not-ready': nop, unhealthy: nop,
    wait: a.toWaiting, 'deps-failed': a.dependencyFailed,
    start: a.spawnAfterReset, stop: a.clearFailure, spawned: nop, 'spawn-failed': nop, ready: nop,
    exit: nop, 'backoff-elapsed': nop, 'stop-timeout': nop, disable: a.toDisabled, enable: nop,
  },
  // Only a remote service's proxy is ever unreachable, and it handles its own events
  // (src/fleet/proxy.ts); the row is here so the table stays total.
  unreachable: {
    'not-ready': nop, unhealthy: nop,
    wait: nop, 'deps-failed': nop,
    start: nop, stop: nop, spawned: nop, 'spawn-failed': nop, ready: nop,
    exit: nop, 'backoff-elapsed': nop, 'stop-timeout': nop, disable: nop, enable: nop,
  },
  disabled: {
    'not-ready': nop, unhealthy: nop,
    wait: nop, 'deps-failed': nop,
    start: a.refuseDisabled, stop: nop, spawned: nop, 'spawn-failed': nop, ready: nop,
    exit: nop, 'backoff-elapsed': nop, 'stop-timeout': nop, disable: nop, enable: a.toStoppedEnabled,
  },
};
