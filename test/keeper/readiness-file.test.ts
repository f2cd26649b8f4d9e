// Ready file ($KELPIE_READY_FILE): stale files removed, creation seen via inotify whether it
// happens before or after the watch starts.
// Run: node --import tsx --test test/keeper/readiness-file.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prepareReadyFile, watchReadyFile, type ReadyFileEvent } from '../../src/keeper/readiness/ready-file.js';
import { FIXTURES, children, exited, tempDir, waitUntil } from '../os/helpers.js';

function event(): { cb: (ev: ReadyFileEvent, err?: Error) => void; got: Array<{ ev: ReadyFileEvent; err?: Error; at: number }> } {
  const got: Array<{ ev: ReadyFileEvent; err?: Error; at: number }> = [];
  return { got, cb: (ev, err) => got.push({ ev, at: performance.now(), ...(err ? { err } : {}) }) };
}

test('prepareReadyFile removes a stale file and creates the directory', (t) => {
  const dir = tempDir(t);
  const stale = join(dir, 'svc.ready');
  writeFileSync(stale, 'old');
  prepareReadyFile(stale);
  assert.ok(!existsSync(stale));
  prepareReadyFile(stale); // no file: fine
  const nested = join(dir, 'a', 'b', 'svc.ready');
  prepareReadyFile(nested);
  assert.ok(existsSync(join(dir, 'a', 'b')));
});

test('file created after the watch starts (by the file-ready fixture): ready', async (t) => {
  const dir = tempDir(t);
  const spawn = children(t);
  const file = join(dir, 'run', 'svc.ready');
  prepareReadyFile(file);
  const { got, cb } = event();
  // Unrelated files in the same directory are not readiness.
  writeFileSync(join(dir, 'run', 'other.ready'), '');
  t.after(watchReadyFile(file, cb));
  const t0 = performance.now();
  const fx = spawn(process.execPath, [join(FIXTURES, 'file-ready.mjs'), '50'], { env: { ...process.env, KELPIE_READY_FILE: file }, stdio: 'ignore' });
  await waitUntil(() => got.length > 0 || undefined, 10000, 'ready');
  assert.deepEqual(got.map((g) => g.ev), ['ready']);
  assert.ok(existsSync(file));
  t.diagnostic(`spawn → ready (50 ms delay in the fixture): ${((got[0]?.at ?? 0) - t0).toFixed(1)} ms`);
  fx.kill('SIGTERM');
  await exited(fx, 5000);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(got.length, 1, 'reported once');
});

test('file created before the watch starts: ready (no lost race)', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'svc.ready');
  prepareReadyFile(file);
  writeFileSync(file, '');
  const { got, cb } = event();
  t.after(watchReadyFile(file, cb));
  assert.equal(got.length, 0, 'reported asynchronously');
  await waitUntil(() => got.length > 0 || undefined, 2000, 'ready');
  assert.deepEqual(got.map((g) => g.ev), ['ready']);
});

test('file renamed into place: ready; the stop function silences the watch', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'svc.ready');
  const a = event();
  t.after(watchReadyFile(file, a.cb));
  writeFileSync(join(dir, 'tmp'), 'x');
  renameSync(join(dir, 'tmp'), file);
  await waitUntil(() => a.got.length > 0 || undefined, 2000, 'ready');
  assert.deepEqual(a.got.map((g) => g.ev), ['ready']);

  rmSync(file);
  const b = event();
  const stop = watchReadyFile(file, b.cb);
  stop();
  writeFileSync(file, '');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(b.got, []);
});

test('a directory that does not exist: error, not a hang', async (t) => {
  const dir = tempDir(t);
  const { got, cb } = event();
  t.after(watchReadyFile(join(dir, 'nope', 'svc.ready'), cb));
  await waitUntil(() => got.length > 0 || undefined, 2000, 'error');
  assert.equal(got[0]?.ev, 'error');
  assert.match(String(got[0]?.err?.message), /ENOENT/);
});
