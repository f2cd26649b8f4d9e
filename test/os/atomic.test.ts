// writeFileAtomic's temp files: a writer killed between create and rename leaves one; the
// next writer of the same file removes it, but never one whose writer still runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../../src/os/atomic.js';

test('stale temp files of dead writers are removed, a live writer\'s are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kelpie-atomic-'));
  const live = spawn('sleep', ['30'], { stdio: 'ignore' });
  const dead = spawn('true', [], { stdio: 'ignore' });
  await new Promise((r) => dead.on('exit', r));
  try {
    const path = join(dir, 'state.json');
    writeFileAtomic(path, '{"v":1}');
    writeFileSync(join(dir, `.state.json.${dead.pid}.tmp`), '{"v":');
    writeFileSync(join(dir, `.state.json.${live.pid}.tmp`), '{"v":');
    writeFileSync(join(dir, `.other.json.${dead.pid}.tmp`), 'x');
    writeFileSync(join(dir, '.state.json.notapid.tmp'), 'x');
    assert.equal(removeStaleTemps(path), 1);
    assert.deepEqual(readdirSync(dir).sort(), [`.other.json.${dead.pid}.tmp`, `.state.json.${live.pid}.tmp`, '.state.json.notapid.tmp', 'state.json'].sort());
    assert.equal(readFileSync(path, 'utf8'), '{"v":1}');
  } finally {
    live.kill('SIGKILL');
    await new Promise((r) => (live.exitCode !== null || live.signalCode !== null ? r(null) : live.on('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
});
