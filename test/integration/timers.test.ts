// Timer services: runs at each occurrence, overlap rules, trigger, pause and resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Project } from '../helpers/project.js';

test('a timer runs at each occurrence, logs like a service, and status shows last and next run', async () => {
  const p = new Project(`
[services.tick]
kind = "timer"
every = "1s"
max_runs = 3
command = ["sh", "-c", "echo run at $(date +%s%N)"]

[services.cron]
kind = "timer"
schedule = "*/5 * * * * *"
command = "true"
`);
  try {
    assert.equal((await p.kelpie(['up', '-d'])).code, 0);
    await p.until((s) => s.services.some((x) => x.name === 'tick' && x.state === 'stopped' && x.restarts === 0) && p.serviceLog('tick').split('\n').filter((l) => l.includes('run at')).length >= 2, 'two runs of tick');
    const d = await p.client.service('tick');
    assert.equal(d.timer?.schedule, 'every 1000 ms');
    assert.ok(d.timer!.runs >= 2);
    assert.equal(d.timer!.remaining, 3 - d.timer!.runs);
    assert.equal(d.exits[0]?.code, 0);
    const text = (await p.kelpie(['status', 'tick'])).stdout;
    assert.match(text, /schedule: +every 1000 ms/);
    assert.match(text, /last run: .*exit 0/);
    const c = await p.client.service('cron');
    assert.equal(c.timer?.schedule, '*/5 * * * * *');
    assert.ok(c.timer?.nextRunAt && Date.parse(c.timer.nextRunAt) > Date.now() - 1000);
  } finally {
    await p.cleanup();
  }
});

test('trigger runs a timer now; overlapping runs are skipped; stop pauses and start resumes', async () => {
  const p = new Project(`
[services.slow]
kind = "timer"
every = "1h"
command = ["sh", "-c", "echo slow run; sleep 1"]
`);
  try {
    assert.equal((await p.kelpie(['up', '-d'])).code, 0);
    assert.equal((await p.client.service('slow')).state, 'stopped');
    const t1 = await p.kelpie(['trigger', 'slow']);
    assert.equal(t1.code, 0, t1.stderr);
    assert.match(t1.stdout, /started/);
    const t2 = await p.kelpie(['trigger', 'slow']);
    assert.equal(t2.code, 1);
    assert.match(t2.stdout, /still going/);
    await p.untilLog('slow', /slow run/);
    assert.equal((await p.kelpie(['stop', 'slow'])).code, 0);
    assert.equal((await p.client.service('slow')).timer?.paused, true);
    assert.equal((await p.kelpie(['start', 'slow'])).code, 0);
    const d = await p.client.service('slow');
    assert.equal(d.timer?.paused, false);
    assert.ok(d.timer?.nextRunAt);
    const notTimer = await p.kelpie(['trigger', 'nope']);
    assert.equal(notTimer.code, 3);
  } finally {
    await p.cleanup();
  }
});
