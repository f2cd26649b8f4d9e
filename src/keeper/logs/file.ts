// An append-only, size-rotated log file written synchronously by the keeper.
//
// - Opened with flags 'a' (O_WRONLY|O_APPEND|O_CREAT). Node/libuv always adds O_CLOEXEC to
//   fs.openSync, so the fd never leaks into a spawned service (DESIGN §6).
// - Writes are synchronous (fs.writeSync) so records keep their order and nothing is queued
//   in memory; writeLines() joins many lines into one write per file segment, and
//   writeBatch() takes records already formatted back to back in one buffer (the capture path).
// - Rotation happens only between lines: when the next line would take the file past
//   maxBytes, name → name.1 (…, .keep-1 → .keep, the oldest is replaced/deleted) and writing
//   continues in a fresh file. A single line larger than maxBytes gets a file of its own.
// - Write errors (ENOSPC, EIO, …) never throw: the lines are counted in `dropped`, the error
//   is kept in `lastError`, and the next call tries again. If a write stopped inside a line,
//   the rest of that line is kept and written first next time, so the file holds whole lines.
import * as fs from 'node:fs';

export interface LogLimits {
  /** Rotate before the file would exceed this many bytes. */
  maxBytes: number;
  /** How many rotated files (name.1 … name.keep) to keep; 0 keeps none. */
  keep: number;
}

/** Same contract as fs.writeSync(fd, buf, offset, length); injectable for tests. */
export type WriteFn = (fd: number, buf: Uint8Array, offset: number, length: number) => number;

export interface LogFileOptions extends LogLimits {
  mode?: number;
  writeSync?: WriteFn;
}

export class LogFile {
  /** Lines that could not be written. */
  dropped = 0;
  lastError: NodeJS.ErrnoException | null = null;
  /** True from a failed write until a batch is written whole again (disk full, then freed). */
  failing = false;
  private fd = -1;
  private bytes = 0;
  private carry: Buffer | null = null;
  /** Rotated files name.1 … name.N known to exist; -1 until looked up. */
  private rotated = -1;
  private closed = false;
  private limits: LogLimits;
  private readonly writeFn: WriteFn;
  private readonly mode: number;

  constructor(readonly path: string, opts: LogFileOptions) {
    this.limits = { maxBytes: opts.maxBytes, keep: opts.keep };
    this.writeFn = opts.writeSync ?? ((fd, b, o, l) => fs.writeSync(fd, b, o, l));
    this.mode = opts.mode ?? 0o640;
    // Opened at the first line: a service that never writes costs no file (creating one is a
    // metadata write, about 0.7 ms each on ext4 here: 0.7 s of a cold start of 1000 services).
  }

  /** Current size of the active file in bytes (as far as this writer knows; 0 until the first line). */
  get size(): number {
    return this.bytes;
  }

  setLimits(limits: LogLimits): void {
    this.limits = { maxBytes: limits.maxBytes, keep: limits.keep };
  }

  write(line: string): void {
    this.writeLines([line]);
  }

  /** Append complete lines (without '\n'). Never throws. */
  writeLines(lines: readonly string[]): void {
    if (lines.length === 0) return;
    const bufs = lines.map((l) => Buffer.from(`${l}\n`, 'utf8'));
    const ends: number[] = [];
    let len = 0;
    for (const b of bufs) ends.push((len += b.length));
    this.writeBatch(bufs.length === 1 ? (bufs[0] as Buffer) : Buffer.concat(bufs, len), ends, ends.length);
  }

  /**
   * Append `count` complete records held back to back in `buf`, each ending in '\n';
   * ends[i] is the offset just past record i's '\n'. One write, unless rotation falls
   * between two of them. `buf` may be reused by the caller afterwards. Never throws.
   */
  writeBatch(buf: Uint8Array, ends: ArrayLike<number>, count: number): void {
    if (count === 0) return;
    if (this.closed || (this.fd < 0 && !this.open()) || (this.carry && !this.flushCarry())) {
      this.dropped += count;
      return;
    }
    const total = ends[count - 1] as number;
    let from = 0; // first byte not yet written
    let first = 0; // its record
    if (this.bytes + total > this.limits.maxBytes) {
      for (let i = 0; i < count; i++) {
        const start = i === 0 ? 0 : (ends[i - 1] as number);
        if (this.bytes + (start - from) > 0 && this.bytes + ((ends[i] as number) - from) > this.limits.maxBytes) {
          if (i > first && !this.flush(buf, ends, first, i, count - i)) return;
          from = start;
          first = i;
          this.rotate();
          if (this.fd < 0) {
            this.dropped += count - i;
            return;
          }
        }
      }
    }
    if (this.flush(buf, ends, first, count, 0)) this.failing = false;
  }

  close(): void {
    this.closed = true;
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch (e) {
        this.lastError = e as NodeJS.ErrnoException;
      }
    }
    this.fd = -1;
  }

  private open(): boolean {
    try {
      this.fd = fs.openSync(this.path, 'a', this.mode); // O_APPEND; O_CLOEXEC added by libuv
      this.bytes = fs.fstatSync(this.fd).size;
      return true;
    } catch (e) {
      this.lastError = e as NodeJS.ErrnoException;
      this.fd = -1;
      return false;
    }
  }

  /** Write all of `buf`; returns bytes written before an error (== length on success). */
  private writeAll(buf: Uint8Array): number {
    let off = 0;
    try {
      while (off < buf.length) off += this.writeFn(this.fd, buf, off, buf.length - off);
    } catch (e) {
      this.lastError = e as NodeJS.ErrnoException;
      this.failing = true;
    }
    this.bytes += off;
    return off;
  }

  private flushCarry(): boolean {
    const carry = this.carry as Buffer;
    const n = this.writeAll(carry);
    this.carry = n < carry.length ? carry.subarray(n) : null;
    return this.carry === null;
  }

  /**
   * Write records first … end-1 of buf; on error count the unwritten ones (+ `rest` not yet
   * tried) as dropped, and keep the rest of a torn record to finish first next time.
   */
  private flush(buf: Uint8Array, ends: ArrayLike<number>, first: number, end: number, rest: number): boolean {
    const from = first === 0 ? 0 : (ends[first - 1] as number);
    const to = ends[end - 1] as number;
    const n = this.writeAll(buf.subarray(from, to));
    if (n === to - from) return true;
    const stop = from + n;
    for (let i = first; i < end; i++) {
      const e = ends[i] as number;
      if (e <= stop) continue;
      const start = i === 0 ? 0 : (ends[i - 1] as number);
      if (start < stop) this.carry = Buffer.from(buf.subarray(stop, e)); // torn line: finish later (a copy)
      else this.dropped++;
    }
    this.dropped += rest;
    return false;
  }

  private rotate(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already gone; we reopen below either way
    }
    this.fd = -1;
    try {
      const { keep } = this.limits;
      // Which rotated files exist is looked up once (name.1, name.2, … up to the first gap) and
      // then tracked: probing name.1 … name.keep-1 at every rotation cost ~1000 stat calls
      // per MiB written with keep = 1000, most of the keeper's CPU under a chatty service.
      if (this.rotated < 0) {
        let n = 0;
        while (fs.existsSync(`${this.path}.${n + 1}`)) n++;
        this.rotated = n;
      }
      for (let i = keep + 1; i <= this.rotated; i++) fs.rmSync(`${this.path}.${i}`, { force: true });
      for (let i = Math.min(this.rotated, keep - 1); i >= 1; i--) renameIfThere(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      if (keep > 0) fs.renameSync(this.path, `${this.path}.1`);
      else fs.rmSync(this.path, { force: true });
      this.rotated = Math.min(this.rotated + 1, keep);
    } catch (e) {
      this.rotated = -1; // look again next time
      this.lastError = e as NodeJS.ErrnoException; // keep appending to the current file
    }
    this.open();
  }
}

/** Renames `from` to `to`; a file someone else removed meanwhile is no error. */
function renameIfThere(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
