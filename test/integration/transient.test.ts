// kelpie run: an ad-hoc supervised process, in status while it runs, forgotten after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Project, fixture } from '../helpers/project.js';

test('kelpie run shows a transient service while it runs and forgets it when it ends', async () => {
  const p = new Project(`[services.base]\ncommand = ${fixture('forever')}\n`);
  try {
    await p.up();
    const r = await p.kelpie(['run', '--name', 'job', '--env', 'GREETING=hi', '--', 'sh', '-c', 'echo $GREETING from job; exec sleep 1000']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /job: running/);
    const st = await p.status();
    const job = st.services.find((s) => s.name === 'job')!;
    assert.equal(job.state, 'running');
    await p.untilLog('job', /^hi from job$/);
    // It survives a controller restart (adopted), then ends and is forgotten.
    process.kill(st.daemon.controller_pid, 'SIGKILL');
    await p.until((s) => s.daemon.controller_pid !== st.daemon.controller_pid && s.services.some((x) => x.name === 'job' && x.pid === job.pid), 'job adopted');
    process.kill(job.pid!, 'SIGTERM');
    await p.until((s) => !s.services.some((x) => x.name === 'job'), 'job forgotten');
    const bad = await p.kelpie(['run', '--name', 'base', '--', 'true']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /exists already/);
  } finally {
    await p.cleanup();
  }
});
