// The keeper's process table: every live service process, by pid, journaled to disk so a
// later keeper (after a crash of this one) or a person can see what was running.
//
// The journal is append-only JSON Lines: a header {"v":3}, then {"add":ENTRY} for each spawn or
// adoption and {"remove":PID} for each exit, written synchronously as they happen (one small
// write each, no fsync: only a process on this boot reads it back), so it is never behind the
// table. When it holds more than twice the live entries it is compacted: rewritten atomically
// with only the live ones. Reading replays it; a torn last line (a keeper killed mid-write) is
// ignored.
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { removeStaleTemps, writeFileAtomic } from '../os/atomic.js';
import type { ProcessEntry, SpawnRequest } from '../protocol/keeper.js';
import type { ServiceChild } from './spawn.js';

const JOURNAL_VERSION = 3;
/** Compaction once the journal has this many lines more than twice the live entries. */
const SLACK = 64;

/** One process as journaled: its entry and the request it was spawned with. */
export type JournalEntry = ProcessEntry & { readonly req: SpawnRequest; readonly outputs?: readonly string[] | null };

const valid = (e: JournalEntry): boolean =>
  !!e && typeof e.service === 'string' && Number.isInteger(e.pid) && e.pid > 1 && typeof e.startTime === 'number' && typeof e.req === 'object' && e.req !== null;

/**
 * The processes a previous keeper journaled: version 3 (lines) or 2 (one JSON document);
 * version 1 had no requests, so nothing in it can be re-adopted. Anything unreadable is an
 * empty journal.
 */
export function readJournal(path: string): JournalEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let head: { v?: unknown; processes?: unknown };
  try {
    head = JSON.parse(lines[0] ?? '') as typeof head;
  } catch {
    return [];
  }
  if (head.v === 2) return Array.isArray(head.processes) ? (head.processes as JournalEntry[]).filter(valid) : [];
  if (head.v !== JOURNAL_VERSION) return [];
  const live = new Map<number, JournalEntry>();
  for (const line of lines.slice(1)) {
    let rec: { add?: JournalEntry; remove?: number };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      continue; // torn by a kill mid-write
    }
    if (rec.add && valid(rec.add)) live.set(rec.add.pid, rec.add);
    else if (typeof rec.remove === 'number') live.delete(rec.remove);
  }
  return [...live.values()];
}

/** A live process and what the keeper needs to manage it. */
export interface Owned {
  readonly entry: ProcessEntry;
  /** Null for an adopted daemon (re-parented to the keeper, reaped by the orphan reaper). */
  readonly child: ServiceChild | null;
  readonly req: SpawnRequest;
  /** The FIFOs its stdout and stderr go through (output-fifo.ts); null for anonymous pipes. */
  readonly outputs?: readonly string[] | null;
}

export class ProcessTable {
  readonly #byPid = new Map<number, Owned>();
  /** Live processes per service. */
  readonly #perService = new Map<string, number>();

  constructor(private readonly journalPath: string) {
    // A keeper killed between writing and renaming the journal left its temp file behind.
    removeStaleTemps(journalPath);
  }

  add(o: Owned): void {
    if (!this.#byPid.has(o.entry.pid)) this.#perService.set(o.entry.service, (this.#perService.get(o.entry.service) ?? 0) + 1);
    this.#byPid.set(o.entry.pid, o);
    this.#append({ add: this.#record(o) });
  }

  remove(pid: number): Owned | undefined {
    const o = this.#byPid.get(pid);
    this.#byPid.delete(pid);
    if (o) {
      const left = (this.#perService.get(o.entry.service) ?? 1) - 1;
      if (left > 0) this.#perService.set(o.entry.service, left);
      else this.#perService.delete(o.entry.service);
      this.#append({ remove: pid });
    }
    return o;
  }

  /** True while a process of `service` is in the table. */
  hasService(service: string): boolean {
    return this.#perService.has(service);
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

  #fd: number | null = null;
  #lines = 0;

  /** What a later keeper needs of a process: not its environment (the bulk, and maybe secrets). */
  #record(o: Owned): JournalEntry {
    return { ...o.entry, req: { ...o.req, env: {} }, outputs: o.outputs ?? null };
  }

  #append(rec: { add: JournalEntry } | { remove: number }): void {
    try {
      // A rewrite holds the table as it is now: the change being recorded included.
      if (this.#fd === null || this.#lines > 2 * this.#byPid.size + SLACK) {
        this.flush();
        return;
      }
      writeSync(this.#fd, `${JSON.stringify(rec)}\n`);
      this.#lines++;
    } catch {
      // The journal is informative; a full disk must not stop supervision.
    }
  }

  /** Rewrites the journal with only the live processes, and appends from there. */
  flush(): void {
    try {
      const body = [JSON.stringify({ v: JOURNAL_VERSION }), ...this.all().map((o) => JSON.stringify({ add: this.#record(o) }))].join('\n') + '\n';
      writeFileAtomic(this.journalPath, body, 0o600, { durable: false });
      if (this.#fd !== null) closeSync(this.#fd);
      this.#fd = openSync(this.journalPath, constants.O_WRONLY | constants.O_APPEND);
      this.#lines = this.#byPid.size + 1;
    } catch {
      // as above
    }
  }
}
