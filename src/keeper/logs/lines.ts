// Byte-level line assembly for captured service output.
//
// A pipe read can end anywhere: mid-line, or inside a multi-byte UTF-8 sequence. We therefore
// buffer raw bytes and decode only whole lines (or whole pieces of an over-long line), so a
// character is never cut by a read boundary. Decoding uses Buffer#toString('utf8'), which
// substitutes U+FFFD for invalid sequences and never throws.
//
// Rules:
// - a line ends at '\n'; one trailing '\r' before it is stripped (CRLF output);
// - a line longer than `maxLine` bytes is emitted as several pieces, each at most `maxLine`
//   bytes and cut at a UTF-8 character boundary; every piece but the last has partial=true.
//   Pieces are emitted as soon as enough bytes arrive, so memory stays bounded per stream;
// - end() flushes a trailing line that had no newline (a trailing '\r' is stripped there too).

export type LineCallback = (text: string, partial: boolean) => void;

/**
 * A line (or piece of one) as bytes: buf[start, end), without its '\n' (and without the '\r'
 * of a CRLF). `buf` may be the caller's chunk or a scratch buffer: it is only valid during
 * the call, copy what you keep.
 */
export type ByteLineCallback = (buf: Buffer, start: number, end: number, partial: boolean) => void;

export interface LineAssemblerOptions {
  /** Maximum bytes per emitted piece (default 16384, minimum 4 so any character fits). */
  maxLine?: number;
}

export const DEFAULT_MAX_LINE = 16384;

const NL = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/** True for a UTF-8 continuation byte (0b10xxxxxx). */
function isCont(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

/**
 * Where to cut `buf` (longer than `max`) so the first piece is ≤ max bytes and does not end
 * inside a character. Falls back to `max` when the bytes there are not valid UTF-8 anyway.
 */
export function utf8Cut(buf: Uint8Array, max: number): number {
  return utf8CutAt(buf, 0, max);
}

/** utf8Cut for the bytes from `start` on: the length of the first piece. */
function utf8CutAt(buf: Uint8Array, start: number, max: number): number {
  let cut = max;
  while (cut > max - 3 && cut > 0 && isCont(buf[start + cut])) cut--;
  if (cut <= 0 || isCont(buf[start + cut])) return max;
  return cut;
}

/**
 * Splits raw bytes into lines without decoding them: the byte-level core of LineAssembler
 * (same rules), for callers that copy bytes straight into a log file.
 */
export class LineSplitter {
  readonly maxLine: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;

  constructor(
    private readonly onLine: ByteLineCallback,
    opts: LineAssemblerOptions = {},
  ) {
    this.maxLine = Math.max(4, Math.floor(opts.maxLine ?? DEFAULT_MAX_LINE));
  }

  /** Bytes currently held for an unfinished line. */
  get buffered(): number {
    return this.pendingLen;
  }

  feed(chunk: Uint8Array | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    if (this.pendingLen > 0) {
      const idx = buf.indexOf(NL);
      if (idx === -1) {
        if (buf.length > 0) this.hold(buf);
        return;
      }
      const line = this.take(buf.subarray(0, idx));
      this.emitWhole(line, 0, line.length);
      start = idx + 1;
    }
    for (;;) {
      const idx = buf.indexOf(NL, start);
      if (idx === -1) {
        if (start < buf.length) this.hold(buf.subarray(start));
        return;
      }
      this.emitWhole(buf, start, idx);
      start = idx + 1;
    }
  }

  /** Flush a trailing line without newline (if any). The splitter can be reused afterwards. */
  end(): void {
    if (this.pendingLen === 0) return;
    const line = this.take(EMPTY);
    this.emitWhole(line, 0, line.length);
  }

  /** Pending bytes followed by `tail`, clearing the pending state. */
  private take(tail: Buffer): Buffer {
    if (this.pendingLen === 0) return tail;
    const all = Buffer.concat([...this.pending, tail], this.pendingLen + tail.length);
    this.pending = [];
    this.pendingLen = 0;
    return all;
  }

  /** Buffer bytes of an unfinished line; emit leading pieces once it exceeds maxLine. */
  private hold(part: Buffer): void {
    // Copy: the caller's chunk may be a pooled/reused buffer.
    this.pending.push(Buffer.from(part));
    this.pendingLen += part.length;
    // Keep a trailing '\r' out of the count: it may be the CR of a CRLF still to come.
    const effective = this.pendingLen - (part[part.length - 1] === CR ? 1 : 0);
    if (effective <= this.maxLine) return;
    const buf = this.take(EMPTY);
    let start = 0;
    let eff = effective;
    while (eff > this.maxLine) {
      const cut = utf8CutAt(buf, start, this.maxLine);
      this.onLine(buf, start, start + cut, true);
      start += cut;
      eff -= cut;
    }
    const rest = buf.subarray(start);
    this.pending = [rest];
    this.pendingLen = rest.length;
  }

  /** Emit buf[start, end) (a whole line, '\n' already off) in pieces of at most maxLine. */
  private emitWhole(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    while (end - start > this.maxLine) {
      const cut = utf8CutAt(buf, start, this.maxLine);
      this.onLine(buf, start, start + cut, true);
      start += cut;
    }
    this.onLine(buf, start, end, false);
  }
}

/**
 * Line assembly with decoded text: each line or piece is decoded on its own with
 * Buffer#toString('utf8') (U+FFFD for invalid sequences; never throws).
 */
export class LineAssembler {
  private readonly splitter: LineSplitter;

  constructor(onLine: LineCallback, opts: LineAssemblerOptions = {}) {
    this.splitter = new LineSplitter((buf, start, end, partial) => onLine(buf.toString('utf8', start, end), partial), opts);
  }

  get maxLine(): number {
    return this.splitter.maxLine;
  }

  /** Bytes currently held for an unfinished line. */
  get buffered(): number {
    return this.splitter.buffered;
  }

  feed(chunk: Uint8Array | string): void {
    this.splitter.feed(chunk);
  }

  /** Flush a trailing line without newline (if any). The assembler can be reused afterwards. */
  end(): void {
    this.splitter.end();
  }
}
