// sd_notify receiver: real senders (python3 socket.sendto, systemd-notify), credentials,
// bursts, empty datagrams, BARRIER fds, close-on-exec, and that a closed hub lets Node exit.
// Run: node --import tsx --test test/os/notify-socket.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotifyHub, parseNotify, type NotifyMessage } from '../../src/os/notify-socket.js';
import { cloexecInheritedFds } from '../../src/os/cloexec.js';
import { FIXTURES, O_CLOEXEC, ROOT, children, exited, fdFlags, lines, settledFds, tempDir, waitUntil } from './helpers.js';

const SYSTEMD_NOTIFY = '/usr/bin/systemd-notify';
const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;
const needPython = hasPython ? {} : { skip: 'python3 is not installed (needed as an AF_UNIX datagram sender)' };

/** python3 program sending each argv[2:] as one datagram to argv[1], printing its pid first. */
const PY_SEND = `import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(os.getpid(), flush=True)
for m in sys.argv[2:]:
    s.sendto(m.encode(), sys.argv[1])`;

type Rec = NotifyMessage & { at: number };

function hub(t: { after: (fn: () => void) => void }): NotifyHub {
  const errors: Error[] = [];
  const h = NotifyHub.create({ onError: (e) => errors.push(e) });
  assert.ok(h, 'NotifyHub.create() returned null: koffi or epoll unavailable');
  t.after(() => {
    h.close();
    assert.deepEqual(errors, [], 'hub reported errors');
  });
  return h;
}

function collect(): { got: Rec[]; onMessage: (m: NotifyMessage) => void } {
  const got: Rec[] = [];
  return { got, onMessage: (m) => got.push({ ...m, at: performance.now() }) };
}

test('parseNotify: KEY=VALUE lines, last value wins, other lines ignored', () => {
  const f = parseNotify('READY=1\nSTATUS=a=b\n\njunk\n=x\nSTATUS=second\n');
  assert.deepEqual([...f], [
    ['READY', '1'],
    ['STATUS', 'second'],
  ]);
});

test('python3 sender: READY=1 and STATUS arrive with the sender pid from SCM_CREDENTIALS', needPython, async (t) => {
  const dir = tempDir(t);
  const spawn = children(t);
  const h = hub(t);
  const { got, onMessage } = collect();
  const path = join(dir, 'svc.sock');
  const ch = h.open(path, onMessage);
  assert.ok(statSync(path).isSocket());
  const sentAt = performance.now();
  const py = spawn('python3', ['-c', PY_SEND, path, 'READY=1\nSTATUS=warming up', 'STATUS=serving']);
  const pid = Number((await lines(py).line(/^\d+$/, 5000))[0]);
  await exited(py, 5000);
  await waitUntil(() => got.length >= 2 || undefined, 5000, 'two messages');
  assert.equal(got.length, 2);
  const [a, b] = got as [Rec, Rec];
  assert.equal(a.fields.get('READY'), '1');
  assert.equal(a.fields.get('STATUS'), 'warming up');
  assert.equal(b.fields.get('STATUS'), 'serving');
  assert.equal(a.pid, pid);
  assert.equal(py.pid, pid);
  assert.equal(a.uid, process.getuid?.());
  assert.equal(a.gid, process.getgid?.());
  assert.equal(a.fds, 0);
  t.diagnostic(`spawn python → first message: ${(a.at - sentAt).toFixed(1)} ms`);
  ch.close();
  assert.ok(ch.closed);
  assert.ok(!existsSync(path), 'channel close removes the socket path');
});

test('systemd-notify --ready: READY and STATUS arrive, its BARRIER fd is closed, it exits promptly', async (t) => {
  if (!existsSync(SYSTEMD_NOTIFY)) {
    if (process.env.CI === 'true') assert.fail(`${SYSTEMD_NOTIFY} is missing (required when CI=true)`);
    t.skip(`${SYSTEMD_NOTIFY} is not installed`);
    return;
  }
  const dir = tempDir(t);
  const spawn = children(t);
  const h = hub(t);
  const { got, onMessage } = collect();
  const path = join(dir, 'svc.sock');
  h.open(path, onMessage);
  const t0 = performance.now();
  const sn = spawn(SYSTEMD_NOTIFY, ['--ready', '--status=hello'], { env: { ...process.env, NOTIFY_SOCKET: path }, stdio: 'ignore' });
  // systemd-notify blocks until the BARRIER fd is closed: a receiver that kept it would hang here.
  const { code } = await exited(sn, 5000);
  const took = performance.now() - t0;
  assert.equal(code, 0);
  await waitUntil(() => got.find((m) => m.fields.get('BARRIER') === '1'), 2000, 'BARRIER=1');
  const ready = got.find((m) => m.fields.get('READY') === '1');
  assert.ok(ready, `no READY=1 in ${JSON.stringify(got.map((m) => m.raw))}`);
  assert.equal(ready.fields.get('STATUS'), 'hello');
  const barrier = got.find((m) => m.fields.get('BARRIER') === '1');
  assert.equal(barrier?.fds, 1, 'BARRIER=1 carries exactly one fd, which we closed');
  // As root, systemd-notify speaks for its parent (us); unprivileged, the kernel keeps its own pid.
  assert.ok(ready.pid === process.pid || ready.pid === sn.pid, `READY from pid ${ready.pid}`);
  assert.equal(barrier?.pid, sn.pid);
  t.diagnostic(`systemd-notify exited after ${took.toFixed(1)} ms; READY after ${(ready.at - t0).toFixed(1)} ms`);
});

test('the notify-ready fixture reaches the socket (systemd-notify or python3)', async (t) => {
  if (!existsSync(SYSTEMD_NOTIFY) && !hasPython) return t.skip('neither systemd-notify nor python3 is installed');
  const dir = tempDir(t);
  const spawn = children(t);
  const h = hub(t);
  const { got, onMessage } = collect();
  const path = join(dir, 'fx.sock');
  h.open(path, onMessage);
  const fx = spawn(process.execPath, [join(FIXTURES, 'notify-ready.mjs'), '20', 'fixture up'], { env: { ...process.env, NOTIFY_SOCKET: path } });
  const out = lines(fx);
  await waitUntil(() => got.find((m) => m.fields.get('READY') === '1'), 10000, 'READY=1 from the fixture');
  assert.equal(got.find((m) => m.fields.has('READY'))?.fields.get('STATUS'), 'fixture up');
  await out.line(/^notified$/, 5000);
  fx.kill('SIGTERM');
  assert.equal((await exited(fx, 5000)).code, 0);
});

test('a burst of 200 datagrams all arrive, in order', needPython, async (t) => {
  const dir = tempDir(t);
  const spawn = children(t);
  const h = hub(t);
  const { got, onMessage } = collect();
  const path = join(dir, 'burst.sock');
  h.open(path, onMessage);
  const msgs = Array.from({ length: 200 }, (_, i) => `X_SEQ=${i}\nSTATUS=${'x'.repeat(i)}`);
  const py = spawn('python3', ['-c', PY_SEND, path, ...msgs], { stdio: 'ignore' });
  assert.equal((await exited(py, 10000)).code, 0);
  await waitUntil(() => got.length >= 200 || undefined, 10000, `200 messages (have ${got.length})`);
  assert.deepEqual(
    got.map((m) => m.fields.get('X_SEQ')),
    msgs.map((_, i) => String(i)),
  );
  assert.ok(got.every((m) => m.pid === py.pid));
});

test('zero-length datagrams and junk are ignored; the receiver keeps working', needPython, async (t) => {
  const dir = tempDir(t);
  const spawn = children(t);
  const h = hub(t);
  const { got, onMessage } = collect();
  const path = join(dir, 'junk.sock');
  const ch = h.open(path, onMessage);
  const py = spawn('python3', ['-c', PY_SEND, path, '', '', 'no assignment here', '', 'READY=1'], { stdio: 'ignore' });
  assert.equal((await exited(py, 5000)).code, 0);
  await waitUntil(() => got.find((m) => m.fields.get('READY') === '1'), 5000, 'READY=1 after empty datagrams');
  assert.deepEqual(
    got.map((m) => m.raw),
    ['no assignment here', 'READY=1'],
  );
  assert.equal(ch.dropped, 0);
});

test('a datagram longer than 16 KiB is dropped and counted; the next one arrives', needPython, async (t) => {
  const dir = tempDir(t);
  const spawn = children(t);
  const h = hub(t);
  const { got, onMessage } = collect();
  const path = join(dir, 'big.sock');
  const ch = h.open(path, onMessage);
  const py = spawn('python3', ['-c', PY_SEND, path, `STATUS=${'y'.repeat(20000)}`, 'READY=1'], { stdio: 'ignore' });
  assert.equal((await exited(py, 5000)).code, 0);
  await waitUntil(() => got.find((m) => m.fields.get('READY') === '1'), 5000, 'READY=1 after a big datagram');
  assert.deepEqual(
    got.map((m) => m.raw),
    ['READY=1'],
  );
  assert.equal(ch.dropped, 1);
});

test('every fd the hub opens is close-on-exec; a spawned service sees only 0, 1, 2', async (t) => {
  const dir = tempDir(t);
  const spawn = children(t);
  const h = hub(t);
  const ch = h.open(join(dir, 'c.sock'), () => {});
  for (const fd of [ch.fd, ...h.fds]) assert.ok(fdFlags('self', fd) & O_CLOEXEC, `fd ${fd} is not O_CLOEXEC`);
  // As the keeper does at start: mark what this process inherited close-on-exec too.
  cloexecInheritedFds();
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  await settledFds(sleeper.pid as number, 'sleep', [0, 1, 2]);
  sleeper.kill('SIGTERM');
  await exited(sleeper, 5000);
});


test('open: replaces a stale socket, refuses other files, checks the path; mode option chmods', async (t) => {
  const dir = tempDir(t);
  const h = hub(t);
  const path = join(dir, 'stale.sock');
  const first = h.open(path, () => {});
  // Simulate a crashed keeper: the socket file stays behind, the fd is gone.
  const again = h.open(path, () => {});
  assert.ok(lstatSync(path).isSocket());
  first.close(); // must not unlink the new socket at the same path
  assert.ok(existsSync(path), 'closing the replaced channel removed the new socket');
  again.close();
  assert.ok(!existsSync(path));

  const file = join(dir, 'plain');
  writeFileSync(file, 'x');
  assert.throws(() => h.open(file, () => {}), { code: 'EEXIST' });
  assert.throws(() => h.open('relative.sock', () => {}), /absolute/);
  const deep = join(dir, 'd'.repeat(120));
  assert.throws(() => h.open(join(deep, 's.sock'), () => {}), { code: 'ENAMETOOLONG' });
  mkdirSync(join(dir, 'sub'));
  assert.throws(() => h.open(join(dir, 'missing', 's.sock'), () => {}), { code: 'ENOENT' });

  const shared = h.open(join(dir, 'sub', 'm.sock'), () => {}, { mode: 0o666 });
  assert.equal(statSync(shared.path).mode & 0o777, 0o666);
  assert.equal(h.size, 1);
});

test('idle: the poller thread uses ~no CPU with a channel open', async (t) => {
  const dir = tempDir(t);
  const h = hub(t);
  h.open(join(dir, 'idle.sock'), () => {});
  await new Promise((r) => setTimeout(r, 200)); // let the worker start
  const before = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 1500));
  const used = process.cpuUsage(before);
  const ms = (used.user + used.system) / 1000;
  t.diagnostic(`process CPU over 1.5 s idle with the poller running: ${ms.toFixed(1)} ms`);
  assert.ok(ms < 150, `poller is busy: ${ms} ms CPU in 1.5 s`);
});

// Each scenario runs in its own Node process, which must end by itself, promptly.
const EXIT_SCRIPT = `
import { NotifyHub } from ${JSON.stringify(join(ROOT, 'src/os/notify-socket.ts'))};
const [mode, path] = process.argv.slice(-2);
const hub = NotifyHub.create();
if (!hub) process.exit(9);
const ch = hub.open(path, () => {});
setTimeout(() => {
  if (mode === 'close-hub') hub.close();
  if (mode === 'close-channel') ch.close();
  console.log('let go ' + performance.now());
  if (mode === 'exit') process.exit(0);
}, 300);
process.on('exit', () => console.log('exiting ' + performance.now()));
`;

for (const mode of ['close-hub', 'close-channel', 'exit'] as const) {
  test(`process exits promptly after ${mode === 'exit' ? 'process.exit() with a channel open' : mode}`, async (t) => {
    const dir = tempDir(t);
    const spawn = children(t);
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', EXIT_SCRIPT, mode, join(dir, 'x.sock')], { cwd: ROOT });
    const out = lines(child);
    await out.line(/^let go/, 20000);
    const letGo = performance.now();
    const { code } = await exited(child, 3000);
    const took = performance.now() - letGo;
    assert.equal(code, 0);
    t.diagnostic(`${mode}: process gone ${took.toFixed(0)} ms after letting go`);
    // The worker's epoll_wait timeout is 1 s: an un-woken worker would cost up to that much.
    assert.ok(took < 900, `exit took ${took.toFixed(0)} ms`);
  });
}

test('a channel that is still open keeps the process alive', async (t) => {
  const dir = tempDir(t);
  const spawn = children(t);
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', EXIT_SCRIPT, 'keep', join(dir, 'k.sock')], { cwd: ROOT });
  await lines(child).line(/^let go/, 20000);
  await assert.rejects(exited(child, 1500), /still running/);
  child.kill('SIGTERM');
  await exited(child, 5000);
});
