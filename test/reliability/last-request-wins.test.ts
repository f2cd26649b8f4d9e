// Found by the chaos soak (scripts/soak.mjs): several clients acting on one service. The last
// request a person made must win: a restart whose stop is overtaken by another client's start
// must not wake up later and start the service again after a third client stopped it. And
// the overtaken request must still be answered: a restart at once, a reload (no timeout) at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Project, fixture, alive } from '../helpers/project.js';
import { sleep, within } from './helpers.js';

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

/** Starts `s` again (client B) while client A's request is stopping it; returns the new pid. */
async function overtakeStop(p: Project, first: number): Promise<number> {
  await p.untilState('s', 'stopping');
  await p.client.act('start', ['s'], { wait: false });
  const st = await p.until((x) => x.services[0]!.state === 'running' && x.services[0]!.pid !== first, 's running again after B');
  return st.services[0]!.pid!;
}

test('a restart overtaken by another client\'s start answers at once, not after its timeout', async () => {
  const p = new Project(`[services.s]\ncommand = ${fixture('ignores-sigterm')}\nstop = { timeout = "500ms" }\n`);
  try {
    await p.up();
    await p.untilLog('s', /^ready$/);
    const first = (await p.pid('s'))!;
    const restart = p.client.act('restart', ['s'], { timeoutMs: 60_000 }).then(() => 'answered', (e: Error) => e.message);
    await overtakeStop(p, first);
    const r = await within(restart, 5000, 'the restart').catch((e: Error) => e.message);
    assert.equal(r, 'answered', 'client A\'s restart got no answer while s ran again (its stop waits for a "stopped" that client B\'s start keeps from coming)');
  } finally {
    await p.kelpie(['stop', 's']).catch(() => null); // lets a waiting restart finish
    await p.cleanup();
  }
});

test('a reload whose restart is overtaken by another client\'s start still answers', async () => {
  const toml = (v: string) => `[services.s]\ncommand = ${fixture('ignores-sigterm')}\nstop = { timeout = "500ms" }\nenv = { V = "${v}" }\n`;
  const p = new Project(toml('1'));
  try {
    await p.up();
    await p.untilLog('s', /^ready$/);
    const first = (await p.pid('s'))!;
    p.write('kelpie.toml', toml('2'));
    const reload = p.client.reload(false).then(() => 'answered', (e: Error) => e.message);
    await overtakeStop(p, first);
    const r = await within(reload, 5000, 'the reload').catch((e: Error) => e.message);
    assert.equal(r, 'answered', 'kelpie reload got no answer while s ran again: its restart of s waits for a "stopped" that never comes (a reload has no timeout)');
  } finally {
    await p.kelpie(['stop', 's']).catch(() => null); // lets a waiting reload finish
    await p.cleanup();
  }
});
