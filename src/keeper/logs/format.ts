// On-disk format of one captured log line:
//
//   2026-11-22T03:47:28.123Z out hello
//
// = the time the line was read (ISO-8601, UTC, milliseconds), one space, the stream, one
// space, the text (which never contains '\n'; it may be empty, leaving a trailing space).
// Stream is `out` or `err`. A piece of an over-long line that continues in the next record
// (LineAssembler's partial=true) is marked with a '+' suffix: `out+` / `err+`. A reader
// rebuilds the original line by concatenating the texts of consecutive `out+` … `out`
// records of the same stream.

export type StreamName = 'out' | 'err';

export interface ParsedLogLine {
  /** The ISO-8601 timestamp exactly as written. */
  at: string;
  /** `out` or `err` (without the continuation marker). */
  stream: StreamName;
  text: string;
  /** True when the record was marked `out+`/`err+`: the line continues in a later record. */
  partial: boolean;
}

export function formatLogLine(at: Date, stream: StreamName, text: string, partial: boolean): string {
  return `${at.toISOString()} ${stream}${partial ? '+' : ''} ${text}`;
}

const LINE_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) (out|err)(\+?) (.*)$/s;

/** Parse one record (without its '\n'); null when the line is not in the format above. */
export function parseLogLine(line: string): ParsedLogLine | null {
  const m = LINE_RE.exec(line);
  if (m === null) return null;
  return {
    at: m[1] as string,
    stream: m[2] as StreamName,
    partial: m[3] === '+',
    text: m[4] as string,
  };
}

/**
 * The bytes before a record's text (`<ISO> out `, `<ISO> out+ `) for one time and stream,
 * made again only when the millisecond or the stream changes: the capture path's
 * formatLogLine.
 */
export class RecordPrefix {
  iso = '';
  whole: Buffer = Buffer.alloc(0);
  partial: Buffer = Buffer.alloc(0);
  private ms = NaN;
  private stream: StreamName | null = null;

  set(at: Date, stream: StreamName): void {
    const ms = at.getTime();
    if (ms === this.ms && stream === this.stream) return;
    if (ms !== this.ms) {
      this.ms = ms;
      this.iso = at.toISOString();
    }
    this.stream = stream;
    this.whole = Buffer.from(`${this.iso} ${stream} `, 'latin1');
    this.partial = Buffer.from(`${this.iso} ${stream}+ `, 'latin1');
  }
}
