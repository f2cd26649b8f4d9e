// UsageSampler: sums CPU and memory over a whole process group from /proc, and runs a timer
// only while someone watches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { UsageSampler } from '../../src/controller/usage.js';
import { alive } from '../helpers/project.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('a process group of two busy processes: both counted, CPU seconds grow, percent from the second sample', async () => {
  // A leader in its own group that starts a busy child in the same group, then busies itself.
  const busy = 'const e = Date.now() + 20000; while (Date.now() < e) {}';
  const leader = spawn(process.execPath, ['-e', `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(busy)}], { stdio: 'inherit' }); console.log('go'); ${busy}`], {
    detached: true, stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise((r) => leader.stdout!.once('data', r));
    const s = new UsageSampler(() => [{ name: 'busy', pid: leader.pid! }]);
    const first = s.sample().services[0]!;
    assert.equal(first.cpuPercent, null);
    assert.equal(first.processes, 2);
    // CPU time is counted in clock ticks: sample again until some have accrued (bounded).
    let second = first;
    for (const end = Date.now() + 10_000; second.cpuSeconds <= first.cpuSeconds || second.cpuPercent === null; ) {
      assert.ok(Date.now() < end, 'no CPU time accrued in 10 s');
      await new Promise((r) => setTimeout(r, 200));
      second = s.sample().services[0]!;
    }
    assert.equal(second.processes, 2);
    assert.ok(second.cpuSeconds > first.cpuSeconds, `${second.cpuSeconds} > ${first.cpuSeconds}`);
    assert.ok(second.cpuPercent! > 5, `two busy processes use CPU: ${second.cpuPercent} %`);
    assert.ok(second.memoryBytes > 2 * 10_000_000, `two node processes: ${second.memoryBytes} bytes`);
  } finally {
    process.kill(-leader.pid!, 'SIGKILL');
    await new Promise((r) => leader.once('exit', r));
  }
  assert.equal(alive(leader.pid!), false);
});

test('no watcher, no timer: watching starts one, the last unwatch stops it', () => {
  const base = timers();
  const s = new UsageSampler(() => [], 1000);
  assert.equal(timers(), base, 'a sampler alone runs nothing');
  const seen: number[] = [];
  const off1 = s.watch((u) => seen.push(u.services.length));
  const off2 = s.watch(() => {});
  assert.deepEqual(seen, [0], 'a watcher gets a sample at once');
  assert.equal(s.sample().sampling, true);
  assert.equal(timers(), base + 1, 'one timer for any number of watchers');
  off1();
  assert.equal(timers(), base + 1);
  off2();
  assert.equal(s.watching, 0);
  assert.equal(timers(), base, 'idle again');
  assert.equal(s.sample().sampling, false);
});

test('a service whose process is gone is left out', () => {
  const s = new UsageSampler(() => [{ name: 'ghost', pid: 2 ** 22 + 1 }]);
  assert.deepEqual(s.sample().services, []);
});
