// Keeper restart, the degraded case of live evolution: a keeper killed outright leaves its
// services running (re-parented elsewhere); the next `kelpie up` re-adopts them by pid and start
// time, watches their exits through a pidfd, and starts nothing twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Project, alive, marked } from '../helpers/project.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStat } from '../../src/os/proc.js';
import { readJournal } from '../../src/keeper/table.js';

async function gone(pid: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (readStat(pid) && readStat(pid)!.state !== 'Z') {
    if (Date.now() > end) throw new Error(`pid ${pid} still alive after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // keeper.pid names a dead process now; wait for init to reap it so the pid check sees it gone
  while (readStat(pid)) {
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a new keeper re-adopts the services a killed keeper left running, and supervises them', async () => {
  const p = new Project(`
[services.a]
command = ["sleep", "1000"]
backoff = { initial = "50ms" }

[services.b]
command = ["sleep", "1001"]
requires = ["a"]
`);
  try {
    await p.up();
    const before = await p.status();
    const keeper = before.daemon.keeper_pid;
    const controller = before.daemon.controller_pid;
    const pidA = (await p.pid('a'))!;
    const pidB = (await p.pid('b'))!;

    // The journal a new keeper reads: every process, its stop settings, no environment.
    const journal = readJournal(join(p.home, 'keeper.json'));
    assert.deepEqual(journal.map((x) => x.pid).sort(), [pidA, pidB].sort());
    assert.ok(!readFileSync(join(p.home, 'keeper.json'), 'utf8').includes('KELPIE_TEST_MARK'), 'an environment variable is in keeper.json');
    for (const x of journal) {
      assert.deepEqual(x.req.env, {}, 'the environment (secrets included) was written to keeper.json');
      assert.ok(x.req.stop, 'no stop settings in the journal');
    }

    process.kill(keeper, 'SIGKILL');
    await gone(keeper);
    await gone(controller);
    assert.ok(alive(pidA) && alive(pidB), 'the services died with their keeper');

    await p.up();
    const after = await p.status();
    assert.notEqual(after.daemon.keeper_pid, keeper);
    assert.equal(await p.pid('a'), pidA, 'a was started again instead of re-adopted');
    assert.equal(await p.pid('b'), pidB, 'b was started again instead of re-adopted');
    assert.deepEqual(after.services.map((s) => s.state), ['running', 'running']);
    const sleeps = marked(p.mark).filter((x) => x.cmd.startsWith('sleep'));
    assert.equal(sleeps.length, 2, `services run twice: ${sleeps.map((x) => x.cmd).join(', ')}`);
    assert.match(p.daemonLog(), /re-adopted a \(pid \d+\) from a previous keeper; its exits are watched by (pidfd|poll)/);

    // A crash of a re-adopted process is seen (pidfd) and handled by policy: exit status unknown.
    process.kill(pidA, 'SIGKILL');
    const st = await p.until((s) => s.services[0]!.state === 'running' && s.services[0]!.pid !== pidA, 'a respawned');
    assert.equal(st.services[0]!.restarts, 1);
    const exit = (await p.client.service('a')).exits[0]!;
    assert.equal(exit.pid, pidA);
    assert.equal(exit.code, null);
    assert.equal(exit.signal, null);
    assert.equal(exit.requested, false);

    // A stop of a re-adopted process signals it and sees it go.
    const stop = await p.kelpie(['stop', 'b']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(!alive(pidB), 'b is still alive after kelpie stop');
  } finally {
    await p.cleanup();
  }
});

test('output written while no keeper ran is captured by the next one, none lost, none twice', async () => {
  // Numbered lines every 20 ms; the service ignores SIGPIPE so that, with a pipe whose reader
  // died, a write would fail with EPIPE instead of killing it, and it says so in its output.
  const p = new Project(`
[services.counter]
command = ["node", "-e", "process.on('SIGPIPE', () => {}); let n = 0; setInterval(() => { try { process.stdout.write('line ' + (++n) + '\\\\n'); } catch (e) { process.exit(7) } }, 20); process.stdout.on('error', () => process.exit(7))"]
`);
  try {
    await p.up();
    const before = await p.status();
    const pid = (await p.pid('counter'))!;
    await p.untilLog('counter', /line 5$/);
    process.kill(before.daemon.keeper_pid, 'SIGKILL');
    await gone(before.daemon.keeper_pid);
    await gone(before.daemon.controller_pid);
    // No keeper for a while: about 25 lines wait in the FIFO's buffer.
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(alive(pid), 'the service died without its keeper (EPIPE or SIGPIPE)');

    await p.up();
    assert.equal(await p.pid('counter'), pid, 'counter was started again instead of re-adopted');
    assert.match(p.daemonLog(), /re-adopted counter \(pid \d+\) .*its output is captured again/);
    const numbers = (): number[] =>
      p
        .serviceLog('counter')
        .split('\n')
        .map((l) => /line (\d+)$/.exec(l)?.[1])
        .filter((x): x is string => x !== undefined)
        .map(Number);
    const target = Math.max(...numbers()) + 30;
    await p.untilLog('counter', new RegExp(`line ${target}$`));
    const nums = numbers();
    const upTo = nums.slice(0, nums.indexOf(target) + 1);
    assert.deepEqual(upTo, Array.from({ length: target }, (_, i) => i + 1), 'a line was lost or captured twice');
  } finally {
    await p.cleanup();
  }
});
