// Events that drive a service's state machine.
import type { ExitEvent } from '../protocol/keeper.js';

/** Everything that can happen to a service. */
export type SvcEvent =
  | { readonly type: 'start' }
  /** Start requested; its requirements are not met yet. */
  | { readonly type: 'wait'; readonly on: string }
  /** A requirement failed: the service will not start. */
  | { readonly type: 'deps-failed'; readonly why: string }
  | { readonly type: 'stop' }
  | { readonly type: 'spawned'; readonly pid: number; readonly startTime: number; readonly spawnedAt: string }
  | { readonly type: 'spawn-failed'; readonly error: string }
  | { readonly type: 'ready' }
  /** Not ready in time, or its readiness channel closed: the start failed. */
  | { readonly type: 'not-ready'; readonly why: string }
  /** The liveness probe failed its threshold. */
  | { readonly type: 'unhealthy'; readonly why: string }
  | { readonly type: 'exit'; readonly exit: ExitEvent }
  | { readonly type: 'backoff-elapsed' }
  | { readonly type: 'stop-timeout' }
  | { readonly type: 'disable' }
  | { readonly type: 'enable' };

/** The event names, for the table's columns. */
export type SvcEventType = SvcEvent['type'];

/** Narrows an event by its type. */
export type EventOf<T extends SvcEventType> = Extract<SvcEvent, { type: T }>;
