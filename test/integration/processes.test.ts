// Multi-process services ([[services.NAME.processes]]): ready only when every process is;
// a process that dies makes the service unhealthy, and either that process or the whole
// service is restarted; status lists every process; stop and logs cover them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Project, fixture } from '../helpers/project.js';
import type { StatusResult } from '../../src/protocol/api.js';

const row = (s: StatusResult, n: string) => s.services.find((x) => x.name === n)!;

test('a multi-process service: ready when all processes are; one dies → unhealthy, that process respawns; stop and logs cover all', async () => {
  const p = new Project(`
[services.db]
command = ${fixture('forever')}

[services.web]
requires = ["db"]
restart = "always"
backoff = { initial = "400ms" }

[[services.web.processes]]
name = "server"
command = ${fixture('forever')}

[[services.web.processes]]
name = "ui"
command = ["sh", "-c", "sleep 0.3; echo ui listening; exec node -e 'setInterval(() => {}, 1 << 30); process.on(\\"SIGTERM\\", () => process.exit(0))'"]
ready = { log = "listening" }
`);
  const seen: string[] = [];
  const ac = new AbortController();
  try {
    const up = await p.kelpie(['up', '-d']);
    assert.equal(up.code, 0, up.stderr + p.daemonLog());
    let st = await p.status();
    // web became running only once ui printed its line: both processes are running and ready.
    for (const n of ['db', 'web', 'web:server', 'web:ui']) assert.equal(row(st, n).state, 'running', n);
    const server = row(st, 'web:server').pid!;
    const ui = row(st, 'web:ui').pid!;
    assert.equal(row(st, 'web').pid, null, 'the service itself has no process');

    const detail = await p.kelpie(['status', 'web']);
    assert.equal(detail.code, 0, detail.stderr);
    assert.match(detail.stdout, /processes:\n\s+server\s+running\s+pid \d+/);
    assert.match(detail.stdout, /\n\s+ui\s+running\s+pid \d+/);
    assert.match(detail.stdout, /readiness: {2}all 2 processes ready/);
    const json = await p.client.service('web', 0);
    assert.deepEqual(json.processes.map((x) => x.name), ['web:server', 'web:ui']);

    // From the start of the event history: nothing after this point can be missed.
    void p.client.events((e) => e.type === 'state' && e.service === 'web' && seen.push(`${e.state}${e.message ? `: ${e.message}` : ''}`), ac.signal, 0).catch(() => {});

    // ui dies: web is unhealthy while ui backs off and respawns; server is left alone.
    process.kill(ui, 'SIGKILL');
    st = await p.until((s) => row(s, 'web').state === 'unhealthy', 'web unhealthy');
    assert.match(row(st, 'web').reason!, /^process ui is /);
    st = await p.until((s) => row(s, 'web').state === 'running' && row(s, 'web:ui').pid !== null && row(s, 'web:ui').pid !== ui, 'web running again');
    assert.equal(row(st, 'web:server').pid, server, 'server was not restarted');
    assert.equal(row(st, 'web:ui').restarts, 1);
    assert.equal(row(st, 'web:ui').state, 'running');
    // The stream may trail the status a little.
    const healed = (): boolean => seen.some((x) => x.startsWith('unhealthy')) && seen.at(-1) === 'running';
    for (const end = Date.now() + 5000; !healed() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.some((x) => /^unhealthy: process ui is /.test(x)), seen.join(' | '));
    assert.equal(seen.at(-1), 'running', seen.join(' | '));

    // logs web: the output of its processes.
    const logs = await p.kelpie(['logs', 'web', '-n', '50']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /web:ui .*ui listening/);
    assert.match(logs.stdout, /web:server .*started \d+/);

    // stop web stops its processes, not what it requires.
    const stop = await p.kelpie(['stop', 'web']);
    assert.equal(stop.code, 0, stop.stderr);
    st = await p.status();
    for (const n of ['web', 'web:server', 'web:ui']) assert.equal(row(st, n).state, 'stopped', n);
    assert.equal(row(st, 'db').state, 'running');
    // and start web starts them again.
    const start = await p.kelpie(['start', 'web']);
    assert.equal(start.code, 0, start.stderr);
    st = await p.status();
    for (const n of ['web', 'web:server', 'web:ui']) assert.equal(row(st, n).state, 'running', n);
  } finally {
    ac.abort();
    await p.cleanup();
  }
});

test('on_process_exit = "restart-service": one process dies, every process of the service is restarted', async () => {
  const p = new Project(`
[services.app]
on_process_exit = "restart-service"
restart = "always"
backoff = { initial = "100ms" }

[[services.app.processes]]
name = "a"
command = ${fixture('forever')}

[[services.app.processes]]
name = "b"
command = ${fixture('forever')}
`);
  try {
    const up = await p.kelpie(['up', '-d']);
    assert.equal(up.code, 0, up.stderr + p.daemonLog());
    let st = await p.status();
    const a = row(st, 'app:a').pid!;
    const b = row(st, 'app:b').pid!;
    await p.untilLog('app:a', new RegExp(`started ${a}`));
    process.kill(b, 'SIGKILL');
    st = await p.until((s) => row(s, 'app').state === 'running' && ![null, a].includes(row(s, 'app:a').pid) && ![null, b].includes(row(s, 'app:b').pid), 'both processes replaced');
    assert.equal(row(st, 'app:a').state, 'running');
    assert.equal(row(st, 'app:b').state, 'running');
    // a ran twice, each run logged.
    await p.untilLog('app:a', new RegExp(`started ${row(st, 'app:a').pid}`));
    assert.match(p.serviceLog('app:a'), new RegExp(`started ${a}`));
  } finally {
    await p.cleanup();
  }
});
