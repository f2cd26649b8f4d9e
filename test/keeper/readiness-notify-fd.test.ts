// Notification fd (s6 / dinit): stdio layout, ready at the first newline, EOF before ready,
// and that the service holds exactly fds 0, 1, 2 and N.
// Run: node --import tsx --test test/keeper/readiness-notify-fd.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readlinkSync } from 'node:fs';
import { notifyFdStdio, watchNotifyFd, type NotifyFdEvent } from '../../src/keeper/readiness/notify-fd.js';
import { cloexecInheritedFds } from '../../src/os/cloexec.js';
import { FIXTURES, children, exited, lines, settledFds, waitUntil } from '../os/helpers.js';

function event(): { cb: (ev: NotifyFdEvent) => void; got: Array<{ ev: NotifyFdEvent; at: number }> } {
  const got: Array<{ ev: NotifyFdEvent; at: number }> = [];
  return { got, cb: (ev) => got.push({ ev, at: performance.now() }) };
}

test('notifyFdStdio: base for 0–2, ignore up to N-1, pipe at N; rejects bad N', () => {
  assert.deepEqual(notifyFdStdio(3), ['ignore', 'pipe', 'pipe', 'pipe']);
  assert.deepEqual(notifyFdStdio(5), ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe']);
  assert.deepEqual(notifyFdStdio(4, ['ignore', 'inherit', 'inherit']), ['ignore', 'inherit', 'inherit', 'ignore', 'pipe']);
  for (const bad of [0, 1, 2, -1, 3.5, 1024, NaN]) assert.throws(() => notifyFdStdio(bad), RangeError);
});

for (const n of [3, 5]) {
  test(`fd ${n}: ready at the first newline; the service holds exactly fds 0, 1, 2, ${n}`, async (t) => {
    cloexecInheritedFds(); // as the keeper does at start
    const spawn = children(t);
    const { got, cb } = event();
    const child = spawn('sleep', ['30'], { stdio: notifyFdStdio(n) });
    await settledFds(child.pid as number, 'sleep', [0, 1, 2, n]);
    assert.match(readlinkSync(`/proc/${child.pid}/fd/${n}`), /^socket:/);
    child.kill('SIGTERM');
    await exited(child, 5000);

    const fx = spawn(process.execPath, [join(FIXTURES, 'fd-ready.mjs'), String(n), '50'], { stdio: notifyFdStdio(n) });
    const t0 = performance.now();
    watchNotifyFd(fx, n, cb);
    await waitUntil(() => got.length > 0 || undefined, 10000, 'ready');
    assert.deepEqual(got.map((g) => g.ev), ['ready']);
    t.diagnostic(`spawn → ready (50 ms delay in the fixture): ${((got[0]?.at ?? 0) - t0).toFixed(1)} ms`);
    assert.equal(fx.exitCode, null, 'fixture still running after ready');
    fx.kill('SIGTERM');
    assert.equal((await exited(fx, 5000)).code, 0);
    assert.equal(got.length, 1, 'reported exactly once');
  });
}

test('fd closed without a newline (process still alive): eof', async (t) => {
  const spawn = children(t);
  const { got, cb } = event();
  const fx = spawn(process.execPath, [join(FIXTURES, 'fd-ready.mjs'), '3', '0', '--eof'], { stdio: notifyFdStdio(3) });
  const out = lines(fx);
  watchNotifyFd(fx, 3, cb);
  await waitUntil(() => got.length > 0 || undefined, 10000, 'eof');
  assert.deepEqual(got.map((g) => g.ev), ['eof']);
  await out.line(/^started \d+$/, 5000);
  assert.equal(fx.exitCode, null, 'EOF came from closing the fd, not from exiting');
  fx.kill('SIGTERM');
  await exited(fx, 5000);
});

test('process exits without writing: eof', async (t) => {
  const spawn = children(t);
  const { got, cb } = event();
  const child = spawn('sh', ['-c', 'exit 3'], { stdio: notifyFdStdio(4) });
  watchNotifyFd(child, 4, cb);
  assert.equal((await exited(child, 5000)).code, 3);
  await waitUntil(() => got.length > 0 || undefined, 5000, 'eof');
  assert.deepEqual(got.map((g) => g.ev), ['eof']);
});

test('the returned stop function closes our end and reports nothing', async (t) => {
  const spawn = children(t);
  const { got, cb } = event();
  const fx = spawn(process.execPath, [join(FIXTURES, 'fd-ready.mjs'), '3', '100000'], { stdio: notifyFdStdio(3) });
  const stop = watchNotifyFd(fx, 3, cb);
  await lines(fx).line(/^started/, 10000);
  stop();
  stop();
  fx.kill('SIGTERM');
  await exited(fx, 5000);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, []);
  assert.throws(() => watchNotifyFd(fx, 7, cb), /no pipe at fd 7/);
});

test('bytes before the newline, in separate writes, are ignored: ready only at the newline', async (t) => {
  const spawn = children(t);
  const { got, cb } = event();
  const sh = spawn('sh', ['-c', 'printf starting >&3; read -r _ ; printf "ok\\n" >&3; exec sleep 30'], { stdio: ['pipe', 'ignore', 'ignore', 'pipe'] });
  watchNotifyFd(sh, 3, cb);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(got.length, 0, 'no newline yet');
  sh.stdin?.end('go\n');
  await waitUntil(() => got.length > 0 || undefined, 5000, 'ready');
  assert.deepEqual(got.map((g) => g.ev), ['ready']);
  sh.kill('SIGTERM');
  await exited(sh, 5000);
});
