// Restart policy: back-off, start limit, success and no-restart exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Project, fixture } from '../helpers/project.js';

test('a crash loop ends in failed, "respawning too fast", after the start limit; backoff.initial = "0s" respawns at once', async () => {
  const p = new Project(`
[services.crashy]
command = ${fixture('crash-after', 0, 3)}
backoff = { initial = "0s", max = "50ms" }
start_limit = { burst = 3, interval = "10s" }
`);
  try {
    await p.up(); // crashy counts as started once spawned: up succeeds, then the loop runs
    const st = await p.untilState('crashy', 'failed');
    const s = st.services[0]!;
    assert.match(s.reason ?? '', /respawning too fast/);
    assert.equal(s.restarts, 2);
    const d = await p.client.service('crashy');
    assert.equal(d.exits.length, 3);
    assert.ok(d.exits.every((e) => e.code === 3 && !e.requested));
    // Each respawn waited no back-off: the event history says so.
    const seen: string[] = [];
    const ac = new AbortController();
    const deadline = setTimeout(() => ac.abort(), 10_000);
    await p.client
      .events((e) => {
        if (e.service === 'crashy' && e.message) seen.push(e.message);
        if (/respawning too fast/.test(e.message ?? '')) ac.abort(); // the last of the history
      }, ac.signal)
      .catch(() => {});
    clearTimeout(deadline);
    const waits = seen.filter((m) => /restarting in/.test(m));
    assert.equal(waits.length, d.exits.length, seen.join(' | '));
    assert.ok(waits.every((m) => /restarting in 0 ms/.test(m)), waits.join(' | '));
    // A person's start resets the limit and tries again.
    const r = await p.kelpie(['start', 'crashy', '--timeout', '20']);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await p.cleanup();
  }
});

test('back-off grows exponentially between respawns', async () => {
  const p = new Project(`
[services.crashy]
command = ${fixture('crash-after', 0, 1)}
backoff = { initial = "100ms", max = "1s" }
start_limit = { burst = 100, interval = "10s" }
`);
  try {
    await p.up();
    await p.until((s) => s.services[0]!.restarts >= 4, 'four restarts');
    await p.kelpie(['stop', 'crashy']);
    const d = await p.client.service('crashy');
    const starts = [...d.exits].reverse().map((e) => Date.parse(e.at));
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    // Gaps include process start-up; each must at least cover its back-off step.
    assert.ok(gaps[0]! >= 100 && gaps[1]! >= 200 && gaps[2]! >= 400, `gaps ${gaps.join(', ')}`);
  } finally {
    await p.cleanup();
  }
});

test('restart policies and exit codes decide what follows an exit', async () => {
  const p = new Project(`
[services.clean-exit]
command = ${fixture('crash-after', 50, 0)}

[services.never]
command = ${fixture('crash-after', 50, 2)}
restart = "never"

[services.permanent]
command = ${fixture('crash-after', 50, 125)}
restart = "always"

[services.custom-success]
command = ${fixture('crash-after', 50, 7)}
success_codes = [0, 7]
`);
  try {
    await p.up();
    const st = await p.until(
      (s) => s.services.every((x) => x.state === 'stopped' || x.state === 'failed') && s.services.every((x) => x.pid === null),
      'every service to settle',
    );
    const by = Object.fromEntries(st.services.map((s) => [s.name, s]));
    assert.equal(by['clean-exit']!.state, 'stopped');
    assert.equal(by['never']!.state, 'failed');
    assert.match(by['never']!.reason ?? '', /exited with code 2/);
    assert.equal(by['permanent']!.state, 'failed');
    assert.match(by['permanent']!.reason ?? '', /do not restart/);
    assert.equal(by['custom-success']!.state, 'stopped');
    assert.ok(st.services.every((s) => s.restarts === 0));
  } finally {
    await p.cleanup();
  }
});

test('restart = "always" respawns after a clean exit', async () => {
  const p = new Project(`
[services.again]
command = ${fixture('crash-after', 100, 0)}
restart = "always"
backoff = { initial = "10ms" }
`);
  try {
    await p.up();
    await p.until((s) => s.services[0]!.restarts >= 2, 'two restarts');
  } finally {
    await p.cleanup();
  }
});
