// Restart pacing: exponential back-off that resets after stable uptime, and a start limit
// (more than `burst` starts within `interval` → failed, "respawning too fast").
import type { BackoffSpec, StartLimitSpec } from '../config/types.js';

/** Delay before respawn number `failures` (1-based): initial · 2^(failures-1), capped at max. */
export function backoffDelay(spec: BackoffSpec, failures: number): number {
  const n = Math.max(1, failures);
  const d = spec.initial * 2 ** Math.min(n - 1, 40);
  return Math.min(spec.max, d);
}

/** Start times (monotonic ms) within the limit's window; decides whether one more is allowed. */
export class StartLimiter {
  #starts: number[] = [];

  constructor(private spec: StartLimitSpec) {}

  setSpec(spec: StartLimitSpec): void {
    this.spec = spec;
  }

  /** Records a start at `now`; false if it exceeds the limit (the start must not happen). */
  tryStart(now: number): boolean {
    this.#starts = this.#starts.filter((t) => now - t < this.spec.interval);
    if (this.#starts.length >= this.spec.burst) return false;
    this.#starts.push(now);
    return true;
  }

  reset(): void {
    this.#starts = [];
  }
}
