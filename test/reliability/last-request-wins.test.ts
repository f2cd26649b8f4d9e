// Found by the chaos soak (scripts/soak.mjs): with several clients, the last request a
// person made must win. A restart whose stop phase is overtaken by another client's start
// must not wake up later and start the service again after a third client stopped it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Project, fixture, alive } from '../helpers/project.js';
import { sleep } from './helpers.js';

test('a stale restart does not start a service again after a later stop', async () => {
  const p = new Project(`
[services.s]
command = ${fixture('ignores-sigterm')}
stop = { timeout = "500ms" }
`);
  try {
    await p.up();
    await p.untilLog('s', /^ready$/);
    const first = (await p.pid('s'))!;
    // Client A: restart (its stop takes 500 ms: s ignores SIGTERM).
    await p.client.act('restart', ['s'], { wait: false });
    await p.untilState('s', 'stopping');
    // Client B: start, while A's stop is under way. s comes back once it has stopped.
    await p.client.act('start', ['s'], { wait: false });
    await p.until((st) => st.services[0]!.state === 'running' && st.services[0]!.pid !== first, 's running again after A and B');
    // Client C: stop. This is the last request anyone made: s must stay stopped.
    const stop = await p.client.act('stop', ['s']);
    assert.equal(stop[0]?.ok, true, JSON.stringify(stop));
    await sleep(1500);
    const st = (await p.status()).services[0]!;
    assert.equal(st.state, 'stopped', `s is ${st.state} (pid ${st.pid}) after the last request, a stop: the restart from client A started it again`);
    assert.ok(st.pid === null || !alive(st.pid));
  } finally {
    await p.cleanup();
  }
});
