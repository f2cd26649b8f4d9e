// Log capture for one service: every process the service runs (across restarts) has its
// stdout/stderr attached here; all of them feed the same rotated log file. Several streams
// may be attached at once (a new process starts while the old one's pipe still drains).
//
// Each stream gets its own LineAssembler. All lines completed by one read are stamped with
// the time of that read, written in one batch, then passed to the optional onLine listener
// (live follow, foreground output). A listener that throws is ignored: capture must go on.
import { LogFile, type LogLimits, type WriteFn } from './file.js';
import { formatLogLine, type StreamName } from './format.js';
import { LineAssembler } from './lines.js';

export interface LogEntry {
  service: string;
  at: Date;
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
  /** Clock for stamping lines (tests). */
  now?: () => Date;
  writeSync?: WriteFn;
}

export class ServiceLog {
  readonly file: LogFile;
  onLine: LogListener | undefined;
  private readonly active = new Set<Promise<void>>();
  private closing = false;
  private closed = false;
  private readonly maxLine: number | undefined;
  private readonly now: () => Date;

  constructor(readonly service: string, opts: ServiceLogOptions) {
    const fileOpts = { maxBytes: opts.maxBytes, keep: opts.keep };
    this.file = new LogFile(opts.path, opts.writeSync ? { ...fileOpts, writeSync: opts.writeSync } : fileOpts);
    this.onLine = opts.onLine;
    this.maxLine = opts.maxLine;
    this.now = opts.now ?? (() => new Date());
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
    let pending: Array<{ text: string; partial: boolean }> = [];
    const asm = new LineAssembler((text, partial) => pending.push({ text, partial }), {
      ...(this.maxLine !== undefined ? { maxLine: this.maxLine } : {}),
    });
    const emit = (): void => {
      if (pending.length === 0) return;
      const lines = pending;
      pending = [];
      this.record(which, lines);
    };
    const done = new Promise<void>((resolve) => {
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        stream.removeListener('data', onData);
        asm.end();
        emit();
        resolve();
      };
      const onData = (chunk: Buffer | string): void => {
        asm.feed(chunk);
        emit();
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

  private record(stream: StreamName, lines: Array<{ text: string; partial: boolean }>): void {
    if (this.closed) return;
    const at = this.now();
    this.file.writeLines(lines.map((l) => formatLogLine(at, stream, l.text, l.partial)));
    const listener = this.onLine;
    if (!listener) return;
    for (const l of lines) {
      try {
        listener({ service: this.service, at, stream, text: l.text, partial: l.partial });
      } catch {
        // a broken follower must not stop capture
      }
    }
  }
}
