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

export interface LineAssemblerOptions {
  /** Maximum bytes per emitted piece (default 16384, minimum 4 so any character fits). */
  maxLine?: number;
}

export const DEFAULT_MAX_LINE = 16384;

const NL = 0x0a;
const CR = 0x0d;

/** True for a UTF-8 continuation byte (0b10xxxxxx). */
function isCont(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

/**
 * Where to cut `buf` (longer than `max`) so the first piece is ≤ max bytes and does not end
 * inside a character. Falls back to `max` when the bytes there are not valid UTF-8 anyway.
 */
export function utf8Cut(buf: Uint8Array, max: number): number {
  let cut = max;
  while (cut > max - 3 && cut > 0 && isCont(buf[cut])) cut--;
  if (cut <= 0 || isCont(buf[cut])) return max;
  return cut;
}

export class LineAssembler {
  readonly maxLine: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;

  constructor(
    private readonly onLine: LineCallback,
    opts: LineAssemblerOptions = {},
  ) {
    this.maxLine = Math.max(4, Math.floor(opts.maxLine ?? DEFAULT_MAX_LINE));
  }

  /** Bytes currently held for an unfinished line. */
  get buffered(): number {
    return this.pendingLen;
  }

  feed(chunk: Uint8Array | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (;;) {
      const idx = buf.indexOf(NL, start);
      if (idx === -1) {
        if (start < buf.length) this.hold(buf.subarray(start));
        return;
      }
      const line = this.take(buf.subarray(start, idx));
      this.emitWhole(line[line.length - 1] === CR ? line.subarray(0, -1) : line);
      start = idx + 1;
    }
  }

  /** Flush a trailing line without newline (if any). The assembler can be reused afterwards. */
  end(): void {
    if (this.pendingLen === 0) return;
    const line = this.take(Buffer.alloc(0));
    this.emitWhole(line[line.length - 1] === CR ? line.subarray(0, -1) : line);
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
    const last = this.pending[this.pending.length - 1];
    // Keep a trailing '\r' out of the count: it may be the CR of a CRLF still to come.
    const effective = this.pendingLen - (last !== undefined && last[last.length - 1] === CR ? 1 : 0);
    if (effective <= this.maxLine) return;
    let buf = this.take(Buffer.alloc(0));
    let eff = effective;
    while (eff > this.maxLine) {
      const cut = utf8Cut(buf, this.maxLine);
      this.onLine(buf.toString('utf8', 0, cut), true);
      buf = buf.subarray(cut);
      eff -= cut;
    }
    this.pending = [buf];
    this.pendingLen = buf.length;
  }

  private emitWhole(line: Buffer): void {
    while (line.length > this.maxLine) {
      const cut = utf8Cut(line, this.maxLine);
      this.onLine(line.toString('utf8', 0, cut), true);
      line = line.subarray(cut);
    }
    this.onLine(line.toString('utf8'), false);
  }
}
