// Reading logs back: tails, and tails of a file as it was at a mark (see followLogs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergedTail, tailLines } from '../../src/controller/logs.js';

const rec = (i: number): string => `2026-12-06T10:00:00.${String(i).padStart(3, '0')}Z out line ${i}\n`;

test('tailLines: the last n lines; with a mark, of the file as it was then, also once rotated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kelpie-tail-'));
  try {
    const path = join(dir, 'a.log');
    assert.deepEqual(tailLines(path, 5), []);
    writeFileSync(path, [1, 2, 3].map(rec).join(''));
    const st = statSync(path);
    const mark = { size: st.size, ino: st.ino };
    appendFileSync(path, [4, 5].map(rec).join(''));
    assert.deepEqual(tailLines(path, 2).map((l) => l.split(' ').pop()), ['4', '5']);
    assert.deepEqual(tailLines(path, 2, mark).map((l) => l.split(' ').pop()), ['2', '3']);
    assert.deepEqual(tailLines(path, 0, mark), []);
    // Rotated since the mark: the marked file is now a.log.1, a new a.log holds newer lines.
    renameSync(path, `${path}.1`);
    writeFileSync(path, rec(6));
    assert.deepEqual(tailLines(path, 10, mark).map((l) => l.split(' ').pop()), ['1', '2', '3']);
    // No file at the mark: whatever is there now is newer.
    assert.deepEqual(tailLines(path, 10, { size: 0, ino: 0 }), []);
    // The marked file is gone altogether: nothing of it to show.
    rmSync(`${path}.1`);
    assert.deepEqual(tailLines(path, 10, mark), []);
    // Merged by time, each file up to its own mark.
    const b = join(dir, 'b.log');
    writeFileSync(b, [7, 8].map(rec).join(''));
    const sb = statSync(b);
    appendFileSync(b, rec(9));
    const merged = mergedTail([{ service: 'a', path }, { service: 'b', path: b, mark: { size: sb.size, ino: sb.ino } }], 10);
    assert.deepEqual(merged.map((e) => `${e.service}${e.text}`), ['aline 6', 'bline 7', 'bline 8']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
