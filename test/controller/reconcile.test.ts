// reconcile(): a new controller judges the exits the keeper kept for it, even when the state
// file it restored was written before the spawn (state is written at most every 100 ms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile } from '../../src/controller/reconcile.js';
import { Service, type ServiceHost } from '../../src/service/service.js';
import type { ExitEvent } from '../../src/protocol/keeper.js';
import { spec } from '../graph/helpers.js';

function service(): { svc: Service; spawns: number[] } {
  const spawns: number[] = [];
  const host: ServiceHost = {
    spawn: async () => {
      spawns.push(Date.now());
      return { pid: 4242, startTime: 1, spawnedAt: new Date().toISOString() };
    },
    signal: async () => {},
    changed: () => {},
    note: () => {},
    readiness: () => {},
  };
  return { svc: new Service({ ...spec('a'), restart: 'always', backoff: { initial: 10, max: 10, resetAfter: 60_000 } }, host), spawns };
}

const exit = (pid: number): ExitEvent => ({ service: 'a', pid, code: null, signal: 'SIGKILL', at: new Date().toISOString(), leftoversKilled: 0 });

for (const [state, pid] of [['starting', null], ['stopped', null], ['waiting', null]] as const) {
  test(`a missed exit of a service restored as ${state} with pid ${pid}: judged by its policy, counted as a restart`, async (t) => {
    const { svc } = service();
    svc.state = state;
    svc.pid = pid;
    const toStart = reconcile(svc, undefined, [exit(1234)]);
    assert.equal(toStart, false, 'started afresh instead of restarted by policy');
    assert.equal(svc.exits[0]?.pid, 1234);
    assert.equal(svc.exits[0]?.signal, 'SIGKILL');
    assert.equal(svc.state, 'backoff');
    // The 10 ms back-off elapses and it is respawned: a restart.
    for (const end = Date.now() + 5000; svc.restarts === 0; ) {
      assert.ok(Date.now() < end, 'not respawned after its back-off');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(svc.restarts, 1);
    t.after(() => svc.dispose());
  });
}

test('a service a person stopped stays stopped, whatever exits were missed', () => {
  const { svc } = service();
  svc.state = 'stopped';
  svc.wanted = 'down';
  assert.equal(reconcile(svc, undefined, [exit(1234)]), false);
  assert.equal(svc.state, 'stopped');
  assert.equal(svc.exits.length, 0);
});

test('no missed exit: a service restored as running without a process is treated as crashed', () => {
  const { svc } = service();
  svc.state = 'running';
  svc.pid = 77;
  reconcile(svc, undefined, []);
  assert.equal(svc.exits[0]?.pid, 77);
  assert.equal(svc.exits[0]?.code, null);
  svc.dispose();
});

test('a missed exit of a process the keeper had signalled (a stop) does not restart a service restored as stopped', () => {
  const { svc } = service();
  svc.state = 'stopped';
  assert.equal(reconcile(svc, undefined, [{ ...exit(1234), signaled: true }]), false);
  assert.equal(svc.state, 'stopped');
  assert.equal(svc.exits.length, 0);
});
