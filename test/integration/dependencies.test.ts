// Dependency order, failure propagation, one-shots and targets, end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Project, fixture, alive } from '../helpers/project.js';
import type { ServiceDetail } from '../../src/protocol/api.js';

async function details(p: Project, names: string[]): Promise<Record<string, ServiceDetail>> {
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await p.client.service(n)] as const)));
}

test('services start after what they require, in parallel branches; stop takes dependents first', async () => {
  const p = new Project(`
[services.db]
command = ${fixture('forever')}

[services.cache]
command = ${fixture('forever')}

[services.api]
command = ${fixture('forever')}
requires = ["db", "cache"]

[services.web]
command = ${fixture('forever')}
requires = ["api"]
`);
  try {
    await p.up();
    const d = await details(p, ['db', 'cache', 'api', 'web']);
    const t = (n: string, k: 'spawnedAt' | 'readyAt') => Date.parse(d[n]![k]!);
    assert.ok(t('api', 'spawnedAt') >= t('db', 'readyAt') && t('api', 'spawnedAt') >= t('cache', 'readyAt'));
    assert.ok(t('web', 'spawnedAt') >= t('api', 'readyAt'));
    assert.deepEqual(d.db!.requiredBy, ['api']);
    // Stopping db stops api and web first, and says so.
    const r = await p.kelpie(['stop', 'db', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const outcomes = JSON.parse(r.stdout) as Array<{ name: string; state: string }>;
    assert.deepEqual(outcomes.map((o) => o.name).sort(), ['api', 'db', 'web']);
    const after = await details(p, ['db', 'api', 'web']);
    const stopped = (n: string) => Date.parse(after[n]!.exits[0]!.at);
    assert.ok(stopped('web') <= stopped('api') && stopped('api') <= stopped('db'), 'stop order');
    assert.equal((await p.status()).services.find((s) => s.name === 'cache')?.state, 'running');
    // Starting web brings db and api back first.
    assert.equal((await p.kelpie(['start', 'web'])).code, 0);
    const st = await p.status();
    assert.ok(st.services.every((s) => s.state === 'running'));
  } finally {
    await p.cleanup();
  }
});

test('restart of a required service brings back the dependents it stopped', async () => {
  const p = new Project(`
[services.db]
command = ${fixture('forever')}
[services.app]
command = ${fixture('forever')}
requires = ["db"]
`);
  try {
    await p.up();
    const before = await p.status();
    const r = await p.kelpie(['restart', 'db']);
    assert.equal(r.code, 0, r.stderr);
    const after = await p.status();
    for (const n of ['db', 'app']) {
      const a = after.services.find((s) => s.name === n)!;
      assert.equal(a.state, 'running');
      assert.notEqual(a.pid, before.services.find((s) => s.name === n)!.pid);
    }
  } finally {
    await p.cleanup();
  }
});

test('a failed requirement keeps the dependent from starting, and says why', async () => {
  const p = new Project(`
[services.db]
command = ["/nonexistent/db-server"]
restart = "never"
[services.app]
command = ${fixture('forever')}
requires = ["db"]
[services.other]
command = ${fixture('forever')}
wants = ["db"]
`);
  try {
    const r = await p.kelpie(['up', '-d']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed: .*app/);
    const st = await p.status();
    const app = st.services.find((s) => s.name === 'app')!;
    assert.equal(app.state, 'failed');
    assert.equal(app.pid, null);
    assert.equal(app.reason, 'requires db, which failed');
    // wants never blocks.
    assert.equal(st.services.find((s) => s.name === 'other')!.state, 'running');
  } finally {
    await p.cleanup();
  }
});

test('a one-shot runs to completion before what requires it; a target starts its group', async () => {
  const p = new Project(`
[services.migrate]
kind = "oneshot"
command = ["sh", "-c", "sleep 0.3; echo migrated"]

[services.db]
command = ${fixture('forever')}
provides = ["database"]

[services.app]
command = ${fixture('forever')}
requires = ["database", { service = "migrate", condition = "completed" }]

[services.backend]
kind = "target"
requires = ["app"]
autostart = false

[services.idle]
command = ${fixture('forever')}
autostart = false
`);
  try {
    await p.up();
    let st = await p.status();
    const state = (n: string) => st.services.find((s) => s.name === n)!.state;
    assert.equal(state('migrate'), 'done');
    assert.equal(state('backend'), 'stopped');
    const d = await details(p, ['migrate', 'app']);
    assert.ok(Date.parse(d.app!.spawnedAt!) >= Date.parse(d.migrate!.exits[0]!.at));
    assert.deepEqual(d.app!.requires, [{ service: 'db', condition: 'ready' }, { service: 'migrate', condition: 'completed' }]);
    // A target: start brings it up (its members already run); stop takes its members down.
    assert.equal((await p.kelpie(['start', 'backend'])).code, 0);
    st = await p.status();
    assert.equal(state('backend'), 'running');
    const appPid = (await p.pid('app'))!;
    assert.equal((await p.kelpie(['stop', 'backend'])).code, 0);
    st = await p.status();
    assert.equal(state('backend'), 'stopped');
    assert.equal(state('app'), 'stopped');
    assert.equal(alive(appPid), false);
    assert.equal(state('db'), 'running');
    const g = await p.kelpie(['graph', '--format', 'dot']);
    assert.match(g.stdout, /digraph kelpie/);
    assert.match(g.stdout, /"app" -> "migrate"/);
  } finally {
    await p.cleanup();
  }
});

test('on_dependency_restart = "restart" restarts a dependent once its requirement respawned', async () => {
  const p = new Project(`
[services.db]
command = ${fixture('forever')}
restart = "always"
backoff = { initial = "10ms" }
[services.follower]
command = ${fixture('forever')}
requires = ["db"]
on_dependency_restart = "restart"
[services.ignorer]
command = ${fixture('forever')}
requires = ["db"]
`);
  try {
    await p.up();
    const before = await p.status();
    const pid = (n: string, s = before) => s.services.find((x) => x.name === n)!.pid;
    process.kill(pid('db')!, 'SIGKILL');
    const after = await p.until(
      (s) => s.services.every((x) => x.state === 'running') && pid('follower', s) !== pid('follower') && pid('db', s) !== pid('db'),
      'db respawned and follower restarted',
    );
    assert.equal(pid('ignorer', after), pid('ignorer'));
  } finally {
    await p.cleanup();
  }
});

test('dependency cycles are rejected at load with the cycle spelled out', async () => {
  const p = new Project(`
[services.a]
command = "true"
requires = ["b"]
[services.b]
command = "true"
requires = ["c"]
[services.c]
command = "true"
requires = ["a"]
`);
  try {
    const r = await p.kelpie(['check']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /dependency cycle: a → b → c → a/);
  } finally {
    await p.cleanup();
  }
});

test('1000 services in a DAG of depth 10 start in a correct order', async () => {
  const layers = 10;
  const per = 100;
  let toml = '';
  for (let l = 0; l < layers; l++) {
    for (let i = 0; i < per; i++) {
      const deps = l === 0 ? [] : [`s${l - 1}_${i}`, `s${l - 1}_${(i * 7 + 3) % per}`];
      toml += `[services.s${l}_${i}]\ncommand = ["sleep", "1000"]\n${deps.length ? `requires = ${JSON.stringify([...new Set(deps)])}\n` : ''}`;
    }
  }
  const p = new Project(toml);
  try {
    const r = await p.kelpie(['up', '-d', '--timeout', '300'], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr.slice(0, 2000));
    const st = await p.status();
    assert.equal(st.services.length, 1000);
    assert.ok(st.services.every((s) => s.state === 'running'));
    // Check the order on a sample of edges (every service of the deepest layer and its chain).
    for (let i = 0; i < per; i += 9) {
      let name = `s${layers - 1}_${i}`;
      for (let l = layers - 1; l > 0; l--) {
        const d = await p.client.service(name);
        for (const req of d.requires) {
          const dep = await p.client.service(req.service);
          assert.ok(Date.parse(d.spawnedAt!) >= Date.parse(dep.readyAt!), `${name} spawned before ${req.service} was ready`);
        }
        name = d.requires[0]!.service;
      }
    }
  } finally {
    await p.cleanup();
  }
});
