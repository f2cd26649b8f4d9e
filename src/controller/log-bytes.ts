// Bytes written to each service's log, for kelpie_service_log_bytes_total. The keeper writes
// the files; the controller counts their growth when asked (at a scrape), following a
// rotation through NAME.1, so nothing is read while nobody asks.
import { statSync } from 'node:fs';

/** Running totals of each service log's growth, from the files' sizes when asked. */
export class LogBytes {
  readonly #seen = new Map<string, { ino: number; size: number; total: number }>();

  /** The running total for the log at `path` (0 at the first look: counted from then on). */
  observe(service: string, path: string): number {
    const cur = statSync(path, { throwIfNoEntry: false });
    const prev = this.#seen.get(service);
    if (!cur) {
      // No file yet (the keeper makes it at the first line): every byte it gets is counted.
      if (!prev) this.#seen.set(service, { ino: 0, size: 0, total: 0 });
      return prev?.total ?? 0;
    }
    if (!prev) {
      this.#seen.set(service, { ino: cur.ino, size: cur.size, total: 0 });
      return 0;
    }
    let grown = 0;
    if (cur.ino === prev.ino) grown = Math.max(0, cur.size - prev.size);
    else {
      // Rotated: the file we saw is NAME.1 now (if rotation keeps any); it grew before it moved.
      const old = statSync(`${path}.1`, { throwIfNoEntry: false });
      grown = (old && old.ino === prev.ino ? Math.max(0, old.size - prev.size) : 0) + cur.size;
    }
    const next = { ino: cur.ino, size: cur.size, total: prev.total + grown };
    this.#seen.set(service, next);
    return next.total;
  }

  forget(service: string): void {
    this.#seen.delete(service);
  }
}
