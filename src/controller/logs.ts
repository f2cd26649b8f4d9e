// Reading service logs back: the last N lines of each file (reading backwards, so a large
// log costs what is shown), merged across services by timestamp.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { LogEntry } from '../protocol/api.js';

const BLOCK = 64 * 1024;

/** Where a log file ended at some moment: its size then, and which file it was (inode). */
export interface LogMark {
  readonly size: number;
  readonly ino: number;
}

/** The file a mark speaks of (it may have been rotated to `.1` since), and where to stop reading it. */
function openAtMark(path: string, mark: LogMark | undefined): { fd: number; end: number } | null {
  if (mark?.ino === 0) return null; // there was no file: everything in one now is newer
  for (const p of mark ? [path, `${path}.1`] : [path]) {
    let fd: number;
    try {
      fd = openSync(p, 'r');
    } catch {
      continue;
    }
    const st = fstatSync(fd);
    if (!mark) return { fd, end: st.size };
    if (st.ino === mark.ino) return { fd, end: Math.min(mark.size, st.size) };
    closeSync(fd);
  }
  return null;
}

/**
 * The last `n` complete lines of a file (fewer if it has fewer); [] if it does not exist.
 * With a mark: of the file as it was then (lines written later are left out).
 */
export function tailLines(path: string, n: number, mark?: LogMark): string[] {
  if (n <= 0) return [];
  const opened = openAtMark(path, mark);
  if (!opened) return [];
  const { fd } = opened;
  try {
    let pos = opened.end;
    let text = '';
    let newlines = 0;
    while (pos > 0 && newlines <= n) {
      const len = Math.min(BLOCK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      const chunk = buf.toString('utf8');
      for (const ch of chunk) if (ch === '\n') newlines++;
      text = chunk + text;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (pos > 0) lines.shift(); // the first line may be cut
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

/** Parses one stored line: "<ISO time> <stream> <text>". */
export function parseStored(service: string, line: string): LogEntry {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (a < 0 || b < 0) return { service, at: '', stream: 'out', text: line };
  return { service, at: line.slice(0, a), stream: line.slice(a + 1, b), text: line.slice(b + 1) };
}

/** The last `n` lines over several services, merged in time order. */
export function mergedTail(files: ReadonlyArray<{ service: string; path: string; mark?: LogMark }>, n: number): LogEntry[] {
  const all: LogEntry[] = [];
  for (const f of files) for (const l of tailLines(f.path, n, f.mark)) all.push(parseStored(f.service, l));
  // Stable sort keeps each file's own order for equal timestamps.
  all.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
  return all.slice(-n);
}

