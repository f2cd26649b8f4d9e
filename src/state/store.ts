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

export class StateStore {
  #queued = false;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => Pick<PersistedState, 'services' | 'registered' | 'transient'>,
    private readonly warn: (msg: string) => void,
  ) {}

  /** Schedules a write of the current snapshot. */
  save(): void {
    if (this.#queued) return;
    this.#queued = true;
    setImmediate(() => this.flush());
  }

  /** Writes now. */
  flush(): void {
    this.#queued = false;
    try {
      writeFileAtomic(this.path, encodeState({ version: STATE_VERSION, writtenAt: new Date().toISOString(), ...this.snapshot() }));
    } catch (err) {
      this.warn(`could not write state: ${(err as Error).message}`);
    }
  }
}
