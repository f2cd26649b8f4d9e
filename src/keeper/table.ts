// The keeper's process table: every live service process, by pid, journaled to disk so a
// later keeper (upgrade) or a person can see what was running.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { removeStaleTemps, writeFileAtomic } from '../os/atomic.js';
import type { ProcessEntry, SpawnRequest } from '../protocol/keeper.js';

const JOURNAL_VERSION = 2;

/** One process as journaled: its entry and the request it was spawned with. */
export type JournalEntry = ProcessEntry & { readonly req: SpawnRequest; readonly outputs?: readonly string[] | null };

/**
 * The processes a previous keeper journaled (version 2; version 1 had no requests, so nothing
 * in it can be re-adopted). Anything unreadable is an empty journal.
 */
export function readJournal(path: string): JournalEntry[] {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as { v?: unknown; processes?: unknown };
    if (j.v !== JOURNAL_VERSION || !Array.isArray(j.processes)) return [];
    return (j.processes as JournalEntry[]).filter(
      (e) => e && typeof e.service === 'string' && Number.isInteger(e.pid) && e.pid > 1 && typeof e.startTime === 'number' && typeof e.req === 'object' && e.req !== null,
    );
  } catch {
    return [];
  }
}

/** A live process and what the keeper needs to manage it. */
export interface Owned {
  readonly entry: ProcessEntry;
  /** Null for an adopted daemon (re-parented to the keeper, reaped by the orphan reaper). */
  readonly child: ChildProcess | null;
  readonly req: SpawnRequest;
  /** The FIFOs its stdout and stderr go through (output-fifo.ts); null for anonymous pipes. */
  readonly outputs?: readonly string[] | null;
}

export class ProcessTable {
  readonly #byPid = new Map<number, Owned>();

  constructor(private readonly journalPath: string) {
    // A keeper killed between writing and renaming the journal left its temp file behind.
    removeStaleTemps(journalPath);
  }

  add(o: Owned): void {
    this.#byPid.set(o.entry.pid, o);
    this.#journal();
  }

  remove(pid: number): Owned | undefined {
    const o = this.#byPid.get(pid);
    this.#byPid.delete(pid);
    if (o) this.#journal();
    return o;
  }

  get(pid: number): Owned | undefined {
    return this.#byPid.get(pid);
  }

  entries(): ProcessEntry[] {
    return [...this.#byPid.values()].map((o) => o.entry);
  }

  all(): Owned[] {
    return [...this.#byPid.values()];
  }

  get size(): number {
    return this.#byPid.size;
  }

  #queued = false;

  /**
   * Rewrites the journal once per turn of the event loop, however many spawns and exits it
   * saw (a cold start of N services is one write, not N of a growing file). No fsync: the
   * journal is read back only by a process on this boot (processes do not outlive a reboot).
   */
  #journal(): void {
    if (this.#queued) return;
    this.#queued = true;
    setImmediate(() => this.flush());
  }

  /** Writes the journal now. */
  flush(): void {
    this.#queued = false;
    try {
      // The request without its environment: a later keeper needs only the stop and log
      // settings of a running process, and the environment is the bulk of the file (and may
      // hold secrets that have no business on disk).
      const processes = this.all().map((o) => ({ ...o.entry, req: { ...o.req, env: {} }, outputs: o.outputs ?? null }));
      writeFileAtomic(this.journalPath, JSON.stringify({ v: JOURNAL_VERSION, processes }) + '\n', 0o600, { durable: false });
    } catch {
      // The journal is informative; a full disk must not stop supervision.
    }
  }
}
