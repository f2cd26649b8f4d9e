// Log capture for one service: every process the service runs (across restarts) has its
// stdout/stderr attached here; all of them feed the same rotated log file. Several streams
// may be attached at once (a new process starts while the old one's pipe still drains).
//
// Each stream gets its own LineSplitter. All lines completed by one read are stamped with
// the time of that read and formatted as bytes, back to back, into one buffer, which is
// written in one go (format.ts: the same records formatLogLine makes). Valid UTF-8 is copied
// as it is; a line with invalid bytes is decoded and re-encoded (U+FFFD), as a string would be.
//
// Strings per line are made only while someone wants them (`wantLines`, by default: an
// onLine listener is set); they are then passed to onLine after the write. A listener that
// throws is ignored: capture must go on. `onWrite` is called after every batch (the keeper
// checks there whether the file stopped or resumed taking lines).
import { isUtf8 } from 'node:buffer';
import { LogFile, type LogLimits, type WriteFn } from './file.js';
import { RecordPrefix, type StreamName } from './format.js';
import { LineSplitter } from './lines.js';

export interface LogEntry {
  service: string;
  at: Date;
  /** `at` as ISO-8601 (as in the file). */
  iso: string;
  stream: StreamName;
  text: string;
  /** True when this is a piece of an over-long line that continues in the next entry. */
  partial: boolean;
}

export type LogListener = (entry: LogEntry) => void;

export interface ServiceLogOptions extends LogLimits {
  /** Path of the active log file (rotated files get .1, .2, … appended). */
  path: string;
  maxLine?: number;
  onLine?: LogListener;
  /**
   * Asked once per read: does anyone need this read's lines as strings (onLine)? Without it:
   * whenever onLine is set. When it says no, onLine is not called for that read's lines.
   */
  wantLines?: () => boolean;
  /** Called after each batch of lines was written (or dropped). */
  onWrite?: () => void;
  /** Clock for stamping lines (tests). */
  now?: () => Date;
  writeSync?: WriteFn;
}

const NL = 0x0a;
/** A scratch buffer larger than this is not kept between reads. */
const KEEP_SCRATCH = 1 << 20;

// The batch being built for the current read, shared by every ServiceLog: the keeper is
// single-threaded and a batch is written synchronously before the next read is handled, so one
// will do (and 1000 quiet services cost no buffer each). Allocated at the first line.
let scratch = Buffer.alloc(0);
const ends: number[] = [];

export class ServiceLog {
  readonly file: LogFile;
  onLine: LogListener | undefined;
  private readonly active = new Set<Promise<void>>();
  private closing = false;
  private closed = false;
  private readonly maxLine: number | undefined;
  private readonly now: () => Date;
  private readonly wantLines: () => boolean;
  private readonly onWrite: (() => void) | undefined;
  private readonly prefix = new RecordPrefix();
  // State of the batch of the current read (its bytes are in `scratch`).
  private count = 0;
  private len = 0;
  private at: Date | null = null;
  private stream: StreamName = 'out';
  /** The read being handled and whether its complete lines are valid UTF-8 throughout. */
  private chunk: Buffer | null = null;
  private chunkValid = false;
  private texts: Array<{ text: string; partial: boolean }> | null = null;
  private readonly sink = (buf: Buffer, start: number, end: number, partial: boolean): void => this.add(buf, start, end, partial);

  constructor(readonly service: string, opts: ServiceLogOptions) {
    const fileOpts = { maxBytes: opts.maxBytes, keep: opts.keep };
    this.file = new LogFile(opts.path, opts.writeSync ? { ...fileOpts, writeSync: opts.writeSync } : fileOpts);
    this.onLine = opts.onLine;
    this.maxLine = opts.maxLine;
    this.now = opts.now ?? (() => new Date());
    this.wantLines = opts.wantLines ?? (() => this.onLine !== undefined);
    this.onWrite = opts.onWrite;
  }

  /** Streams attached and not yet at EOF. */
  get attached(): number {
    return this.active.size;
  }

  setLimits(limits: LogLimits): void {
    this.file.setLimits(limits);
  }

  /**
   * Capture `stream` as `which` until EOF. Resolves once the stream ended (or errored or
   * was destroyed) and its trailing partial line was written: the pipe is drained.
   */
  attach(stream: NodeJS.ReadableStream, which: StreamName): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`log of ${this.service} is closed`));
    const split = new LineSplitter(this.sink, this.maxLine !== undefined ? { maxLine: this.maxLine } : {});
    const done = new Promise<void>((resolve) => {
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        stream.removeListener('data', onData);
        this.begin(which, null);
        split.end();
        this.commit();
        resolve();
      };
      const onData = (chunk: Buffer | string): void => {
        if (this.closed) return; // read on (the writer must never block), keep nothing
        const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        this.begin(which, buf);
        split.feed(buf);
        this.commit();
      };
      stream.on('data', onData);
      stream.once('end', finish);
      stream.once('close', finish); // destroyed without 'end'
      stream.on('error', finish); // e.g. EIO on the pipe: treat as EOF, keep the keeper alive
    });
    this.active.add(done);
    void done.then(() => this.active.delete(done));
    return done;
  }

  /**
   * Close the log file once every attached stream reached EOF. With force, close now: later
   * output of still-attached streams is read (so writers never block) and discarded.
   */
  async close(force = false): Promise<void> {
    this.closing = true;
    if (!force) await Promise.all([...this.active]);
    if (!this.closed) {
      this.closed = true;
      this.file.close();
    }
  }

  /** Starts the batch of one read of `stream` (chunk null: the end of the stream). */
  private begin(stream: StreamName, chunk: Buffer | null): void {
    this.stream = stream;
    this.count = 0;
    this.len = 0;
    this.at = null;
    this.chunk = chunk;
    if (chunk === null) {
      this.chunkValid = false;
    } else {
      // Lines completed inside this read lie before its last '\n'; one check covers them all.
      const last = chunk.lastIndexOf(NL);
      this.chunkValid = last >= 0 && isUtf8(chunk.subarray(0, last + 1));
    }
  }

  /** Appends one formatted record for buf[start, end) to the batch. */
  private add(buf: Buffer, start: number, end: number, partial: boolean): void {
    if (this.at === null) {
      // Stamp at the first line of the read: a read that completes no line takes no time.
      this.at = this.now();
      this.prefix.set(this.at, this.stream);
      this.texts = this.onLine !== undefined && this.wantLines() ? [] : null;
    }
    let text: string | null = null;
    if (this.texts !== null) {
      text = buf.toString('utf8', start, end);
      this.texts.push({ text, partial });
    }
    if (!((buf === this.chunk && this.chunkValid) || isUtf8(buf.subarray(start, end)))) {
      // Invalid UTF-8: store what the decoded text is (U+FFFD for each bad sequence).
      buf = Buffer.from(text ?? buf.toString('utf8', start, end), 'utf8');
      start = 0;
      end = buf.length;
    }
    const head = partial ? this.prefix.partial : this.prefix.whole;
    const need = this.len + head.length + (end - start) + 1;
    if (need > scratch.length) this.grow(need);
    const out = scratch;
    out.set(head, this.len);
    let pos = this.len + head.length;
    // A plain view + set: Buffer#copy costs ~3× as much for the short lines that are typical.
    out.set(new Uint8Array(buf.buffer, buf.byteOffset + start, end - start), pos);
    pos += end - start;
    out[pos++] = NL;
    this.len = pos;
    ends[this.count++] = pos;
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(need, 1 << 16, scratch.length * 2));
    scratch.copy(bigger, 0, 0, this.len);
    scratch = bigger;
  }

  /** Writes the batch of the current read, then hands its lines to onLine (if wanted). */
  private commit(): void {
    this.chunk = null;
    const count = this.count;
    const texts = this.texts;
    this.count = 0;
    this.texts = null;
    if (count === 0 || this.closed) return;
    const at = this.at as Date;
    this.file.writeBatch(scratch, ends, count);
    this.len = 0;
    if (scratch.length > KEEP_SCRATCH) scratch = Buffer.alloc(0);
    this.onWrite?.();
    const listener = this.onLine;
    if (!listener || texts === null) return;
    const iso = this.prefix.iso;
    for (const l of texts) {
      try {
        listener({ service: this.service, at, iso, stream: this.stream, text: l.text, partial: l.partial });
      } catch {
        // a broken follower must not stop capture
      }
    }
  }
}
