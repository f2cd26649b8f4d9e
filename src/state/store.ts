// Reads and writes the state file. Writes are coalesced: many changes in one tick make one
// durable write (temp → fsync → rename → fsync dir).
import { readFileSync, renameSync } from 'node:fs';
import { removeStaleTemps, writeFileAtomic } from '../os/atomic.js';
import { decodeState, encodeState, STATE_VERSION, type PersistedState } from './encode.js';

/** Reads the state file; an absent file is empty state, a corrupt one is set aside and reported. */
export function readState(path: string, warn: (msg: string) => void): PersistedState {
  // A writer killed mid-write leaves its temp file behind; the state file itself is whole.
  const stale = removeStaleTemps(path);
  if (stale) warn(`removed ${stale} temp file(s) left by an interrupted state write`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { version: STATE_VERSION, writtenAt: new Date(0).toISOString(), services: {} };
  }
  try {
    return decodeState(text);
  } catch (err) {
    const aside = `${path}.corrupt-${Date.now()}`;
    try {
      renameSync(path, aside);
    } catch {
      // keep going with empty state
    }
    warn(`state file unreadable (${(err as Error).message}); moved to ${aside}, starting from empty state`);
    return { version: STATE_VERSION, writtenAt: new Date(0).toISOString(), services: {} };
  }
}

/** Least time between two writes for routine changes (a person's requests are written at once). */
const MIN_GAP_MS = 100;
/**
 * And at least this many times the last write's duration: a write of a thousand services'
 * state (encode, two fsyncs) can take tens of milliseconds on a busy disk, and routine writes
 * must not take more than a small share of the controller's time during a cold start.
 */
const GAP_PER_WRITE_TIME = 8;

export class StateStore {
  #timer: NodeJS.Timeout | null = null;
  #lastWrite = 0;
  #gap = MIN_GAP_MS;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => Pick<PersistedState, 'services' | 'registered' | 'transient'>,
    private readonly warn: (msg: string) => void,
  ) {}

  /**
   * Schedules a write of the current snapshot: at once on the next turn of the event loop, or
   * MIN_GAP_MS after the last write, so that a burst of state changes (a cold start of 1000
   * services) costs a few durable writes, not one per change. What must not be lost, such as
   * a person's start or stop, goes through flush().
   */
  save(): void {
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastWrite + this.#gap - performance.now());
    this.#timer = setTimeout(() => this.flush(), wait);
  }

  /** Writes now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const t0 = performance.now();
    try {
      writeFileAtomic(this.path, encodeState({ version: STATE_VERSION, writtenAt: new Date().toISOString(), ...this.snapshot() }));
    } catch (err) {
      this.warn(`could not write state: ${(err as Error).message}`);
    }
    this.#lastWrite = performance.now();
    this.#gap = Math.max(MIN_GAP_MS, GAP_PER_WRITE_TIME * (this.#lastWrite - t0));
  }
}
