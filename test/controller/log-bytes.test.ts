// kelpie_service_log_bytes_total's counting (src/controller/log-bytes.ts) against real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogBytes } from '../../src/controller/log-bytes.js';

test('log bytes: counted from the first look, also when the file did not exist yet, and across a rotation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kelpie-logbytes-'));
  try {
    const b = new LogBytes();
    const path = join(dir, 'a.log');
    // The keeper creates a log at its first line: a look before that counts from empty.
    assert.equal(b.observe('a', path), 0);
    appendFileSync(path, 'x'.repeat(100));
    assert.equal(b.observe('a', path), 100);
    appendFileSync(path, 'x'.repeat(50));
    assert.equal(b.observe('a', path), 150);
    // Rotated after 20 more bytes; 7 in the new file.
    appendFileSync(path, 'x'.repeat(20));
    renameSync(path, `${path}.1`);
    appendFileSync(path, 'x'.repeat(7));
    assert.equal(b.observe('a', path), 177);
    // A file that exists at the first look: what it holds then is not counted.
    const other = join(dir, 'b.log');
    appendFileSync(other, 'x'.repeat(30));
    assert.equal(b.observe('b', other), 0);
    appendFileSync(other, 'x'.repeat(5));
    assert.equal(b.observe('b', other), 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
