// Readiness end to end: every mechanism feeds the same starting → running transition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Project, fixture, freePort } from '../helpers/project.js';

test('notify, fd, file and log mechanisms: running only once the service says so', async () => {
  const p = new Project(`
[services.notify]
command = ${fixture('notify-ready', 300, 'warmed up')}
ready = { notify = true }

[services.fd]
command = ${fixture('fd-ready', 4, 300)}
ready = { fd = 4 }

[services.file]
command = ${fixture('file-ready', 300)}
ready = { file = true }

[services.log]
command = ["sh", "-c", "echo booting; sleep 0.3; echo 'listening on port 1234'; exec sleep 1000"]
ready = { log = "listening on port \\\\d+" }

[services.plain]
command = ${fixture('forever')}
`);
  try {
    const up = await p.kelpie(['up', '-d']);
    assert.equal(up.code, 0, up.stderr + p.daemonLog());
    for (const name of ['notify', 'fd', 'file', 'log']) {
      const d = await p.client.service(name);
      assert.equal(d.state, 'running', name);
      // Each says so 300 ms after it starts; "ready when spawned" would be ~0 ms. (The spawn
      // stamp is taken when the keeper sees the spawn, which can lag on a loaded machine.)
      assert.ok(d.timeToReadyMs !== null && d.timeToReadyMs >= 150, `${name} ready after ${d.timeToReadyMs} ms, before it said so`);
    }
    const n = await p.client.service('notify');
    assert.equal(n.readiness, 'notify');
    assert.equal(n.statusText, 'warmed up');
    assert.match((await p.kelpie(['status', 'notify'])).stdout, /status: {5}warmed up/);
    assert.equal((await p.client.service('plain')).readiness, 'none (ready when spawned)');
  } finally {
    await p.cleanup();
  }
});

test('not ready within ready_timeout: the start fails with the reason, the process group is killed', async () => {
  const p = new Project(`
[services.silent]
command = ${fixture('forever')}
ready = { notify = true }
ready_timeout = "400ms"
restart = "never"
`);
  try {
    const r = await p.kelpie(['up', '-d']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed: silent/);
    const d = await p.client.service('silent');
    assert.equal(d.state, 'failed');
    assert.match(d.reason ?? '', /not ready within 400 ms/);
    assert.equal(d.exits[0]?.signal, 'SIGKILL');
  } finally {
    await p.cleanup();
  }
});

test('a notification fd closed before any newline fails the start', async () => {
  const p = new Project(`
[services.quitter]
command = ${fixture('fd-ready', 3, 0, '--eof')}
ready = { fd = 3 }
restart = "never"
`);
  try {
    const r = await p.kelpie(['up', '-d']);
    assert.equal(r.code, 1);
    assert.match((await p.client.service('quitter')).reason ?? '', /closed its notification fd before it was ready/);
  } finally {
    await p.cleanup();
  }
});

test('systemd-notify --ready as a client does not hang, and messages from strangers are ignored', async () => {
  const p = new Project(`
[services.shell]
command = ["sh", "-c", "sleep 0.2; systemd-notify --ready --status='from systemd-notify'; echo notified; exec sleep 1000"]
ready = { notify = true }
`);
  try {
    assert.equal((await p.kelpie(['up', '-d'])).code, 0);
    await p.untilLog('shell', /^notified$/);
    const d = await p.client.service('shell');
    assert.equal(d.statusText, 'from systemd-notify');
    // A process outside the service's group writes to its socket: ignored.
    const { spawnSync } = await import('node:child_process');
    const sock = `${p.home}/notify/shell.sock`;
    spawnSync('python3', ['-c', `import socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"STATUS=intruder", ${JSON.stringify(sock)})`]);
    const ev = await new Promise<string>((resolve) => {
      const ac = new AbortController();
      let found = '';
      void p.client.events((e) => {
        if (e.service === 'shell' && /not a process of this service/.test(e.message ?? '')) {
          found = e.message!;
          ac.abort();
        }
      }, ac.signal).then(() => resolve(found));
      setTimeout(() => ac.abort(), 5000);
    });
    assert.match(ev, /ignored/);
    assert.equal((await p.client.service('shell')).statusText, 'from systemd-notify');
  } finally {
    await p.cleanup();
  }
});

test('probes: tcp readiness, and a failing liveness probe makes the service unhealthy and restarts it', async () => {
  const port = await freePort();
  const p = new Project(`
[services.server]
command = ["node", "-e", "setTimeout(() => require('net').createServer().listen(${port}, '127.0.0.1'), 300)"]
ready = { tcp = ${port}, interval = "50ms" }

[services.sick]
command = ${fixture('forever')}
liveness = { exec = ["false"], interval = "100ms", failure_threshold = 2 }
backoff = { initial = "10ms" }
start_limit = { burst = 100 }
`);
  try {
    assert.equal((await p.kelpie(['up', '-d'])).code, 0);
    const d = await p.client.service('server');
    assert.equal(d.state, 'running');
    assert.equal(d.readiness, `tcp 127.0.0.1:${port}`);
    assert.ok(d.timeToReadyMs! >= 150);
    assert.equal(d.lastProbe?.ok, true);
    await p.until((s) => s.services.some((x) => x.name === 'sick' && x.restarts >= 2), 'sick restarted twice');
    const sick = await p.client.service('sick');
    assert.ok(sick.exits.length >= 2 && sick.exits[0]!.pid !== sick.exits[1]!.pid);
    assert.equal(sick.exits[0]?.requested, false);
    const events = await p.client.call<unknown>('GET', '/v1/status').then(() => new Promise<string[]>((resolve) => {
      const ac = new AbortController();
      const seen: string[] = [];
      void p.client.events((e) => {
        if (e.service === 'sick' && e.state === 'unhealthy') {
          seen.push(e.message ?? '');
          ac.abort();
        }
      }, ac.signal).then(() => resolve(seen));
      setTimeout(() => ac.abort(), 5000);
    }));
    assert.match(events[0] ?? '', /liveness probe failed 2 time\(s\) in a row: exit 1/);
  } finally {
    await p.cleanup();
  }
});

test('real daemons: redis-server becomes ready over sd_notify, nginx through an http probe', async () => {
  const redisPort = await freePort();
  const nginxPort = await freePort();
  const p = new Project(`
[services.redis]
command = ["redis-server", "--port", "${redisPort}", "--bind", "127.0.0.1", "--supervised", "systemd", "--save", "", "--appendonly", "no", "--dir", "."]
ready = { notify = true }

[services.nginx]
command = ["nginx", "-p", ".", "-c", "nginx.conf", "-g", "daemon off; pid nginx.pid; error_log stderr;"]
ready = { http = "http://127.0.0.1:${nginxPort}/health", interval = "50ms" }
`);
  p.write('nginx.conf', `events {}
http {
  access_log off;
  client_body_temp_path . ; proxy_temp_path . ; fastcgi_temp_path . ; uwsgi_temp_path . ; scgi_temp_path . ;
  server { listen 127.0.0.1:${nginxPort}; location /health { return 200 "ok"; } }
}
`);
  try {
    const r = await p.kelpie(['up', '-d']);
    assert.equal(r.code, 0, r.stdout + r.stderr + p.serviceLog('nginx'));
    const redis = await p.client.service('redis');
    assert.equal(redis.state, 'running');
    assert.match(redis.statusText ?? '', /Ready to accept connections/i);
    const nginx = await p.client.service('nginx');
    assert.equal(nginx.state, 'running');
    assert.equal(nginx.lastProbe?.detail, 'HTTP 200');
  } finally {
    await p.cleanup();
  }
});

test('sd_notify watchdog: pings keep a service healthy; missing ones make it unhealthy and restart it', async () => {
  const p = new Project(`
[services.pinger]
command = ["sh", "-c", "echo usec=$WATCHDOG_USEC; systemd-notify --ready; for i in 1 2 3 4 5 6; do sleep 0.25; systemd-notify WATCHDOG=1; done; echo stopped pinging; exec sleep 1000"]
ready = { notify = true }
watchdog = "1s"
backoff = { initial = "10ms" }
`);
  try {
    assert.equal((await p.kelpie(['up', '-d'])).code, 0);
    assert.equal(await p.untilLog('pinger', /^usec=/), 'usec=1000000');
    const first = (await p.pid('pinger'))!;
    await p.untilLog('pinger', /stopped pinging/);
    // 1.5 s of pings at 250 ms kept it running; then the watchdog fires within ~1 s.
    assert.equal((await p.client.service('pinger')).restarts, 0);
    await p.until((s) => s.services[0]!.restarts >= 1 && s.services[0]!.pid !== first, 'a restart after the watchdog fired');
    const d = await p.client.service('pinger');
    assert.equal(d.exits[d.exits.length - 1]?.pid, first);
    assert.equal(d.exits[d.exits.length - 1]?.requested, false);
  } finally {
    await p.cleanup();
  }
});

test('declared sockets: a stale socket file is removed before spawn; ready once every socket accepts', async () => {
  const p = new Project(`
[services.listener]
command = ["node", "-e", "const net = require('net'); setTimeout(() => { net.createServer().listen('a.sock'); net.createServer().listen('b.sock'); }, 300)"]
sockets = ["a.sock", "b.sock"]
`);
  try {
    // A stale socket from an earlier run: a socket file with no listener.
    const { spawnSync } = await import('node:child_process');
    spawnSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(`${p.dir}/a.sock`)})`]);
    const { existsSync } = await import('node:fs');
    assert.ok(existsSync(`${p.dir}/a.sock`));
    const r = await p.kelpie(['up', '-d']);
    assert.equal(r.code, 0, r.stderr + p.serviceLog('listener'));
    const d = await p.client.service('listener');
    assert.equal(d.state, 'running');
    assert.equal(d.readiness, `sockets ${p.dir}/a.sock, ${p.dir}/b.sock`);
    assert.ok(d.timeToReadyMs! >= 150);
    assert.equal(d.lastProbe?.detail, 'every socket accepts');
  } finally {
    await p.cleanup();
  }
});

test('pid_file: a forking daemon (redis --daemonize yes) is adopted as the main process and stopped', async () => {
  const port = await freePort();
  const p = new Project(`
[services.redis]
command = ["redis-server", "--port", "${port}", "--bind", "127.0.0.1", "--daemonize", "yes", "--pidfile", "redis.pid", "--save", "", "--appendonly", "no", "--dir", ".", "--logfile", ""]
pid_file = "redis.pid"
ready_timeout = "10s"
`);
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${p.dir}/redis.pid`, '1\n'); // stale: must be removed before spawn
    const r = await p.kelpie(['up', '-d']);
    assert.equal(r.code, 0, r.stderr + p.daemonLog());
    const d = await p.client.service('redis');
    assert.equal(d.state, 'running');
    const { readFileSync } = await import('node:fs');
    const pid = Number(readFileSync(`${p.dir}/redis.pid`, 'utf8'));
    assert.equal(d.pid, pid);
    // The launcher's own exit may be reported after the daemon was adopted (then it is not
    // the main process any more and is not recorded); either way nothing failed.
    assert.ok(d.exits.every((e) => e.code === 0), JSON.stringify(d.exits));
    const st = await p.status();
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    assert.equal(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), st.daemon.keeper_pid, 're-parented to the keeper');
    // kill -9 of the daemon: respawned through its launcher, adopted again.
    process.kill(pid, 'SIGKILL');
    await p.until((s) => s.services[0]!.state === 'running' && s.services[0]!.pid !== pid && s.services[0]!.pid !== null, 'a new daemon');
    const stop = await p.kelpie(['stop', 'redis']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await p.client.service('redis')).exits[0]?.requested, true);
  } finally {
    await p.cleanup();
  }
});

test('a ready file created at once, by many services together, is never lost', async () => {
  let toml = '';
  for (let i = 0; i < 30; i++) toml += `[services.f${i}]\ncommand = ["sh", "-c", "touch \\"$KELPIE_READY_FILE\\"; exec sleep 1000"]\nready = { file = true }\nready_timeout = "20s"\n`;
  const p = new Project(toml);
  try {
    const r = await p.kelpie(['up', '-d']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await p.status()).services.every((s) => s.state === 'running'));
  } finally {
    await p.cleanup();
  }
});

test('sd_notify READY=1 from many services starting together is never lost, and none is ignored', async () => {
  // A service can send READY=1 before the keeper knows its pid (posix_spawn still returning):
  // the message must reach the controller after the spawn, not before it. And systemd-notify's
  // BARRIER=1 comes from its own pid, which exits as soon as the barrier closes: it must still
  // be recognised as the service's own.
  let toml = '';
  for (let i = 0; i < 60; i++) toml += `[services.n${i}]\ncommand = ["sh", "-c", "systemd-notify --ready; exec sleep 1000"]\nready = { notify = true }\nready_timeout = "15s"\n`;
  const p = new Project(toml);
  try {
    const r = await p.kelpie(['up', '-d'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const st = await p.status();
    assert.ok(st.services.every((s) => s.state === 'running' && s.restarts === 0), JSON.stringify(st.services.filter((s) => s.restarts > 0 || s.state !== 'running')));
    const notes: string[] = [];
    const ac = new AbortController();
    // The whole history is replayed at once (after=0); a second is plenty to receive it.
    const seen = p.client.events((e) => {
      if (e.type === 'note') notes.push(`${e.service}: ${e.message}`);
    }, ac.signal, 0);
    setTimeout(() => ac.abort(), 1000);
    await seen;
    assert.deepEqual(notes.filter((n) => /ignored/.test(n)), []);
  } finally {
    await p.cleanup();
  }
});

test('unready at runtime: a failing readiness probe or a removed ready file; the process keeps running; ready again after', async () => {
  const p = new Project(`
[services.db]
command = ${fixture('forever')}
ready = { exec = ["test", "-e", "db-ok"], interval = "50ms", failure_threshold = 2, success_threshold = 2 }

[services.app]
command = ${fixture('forever')}
requires = ["db"]
autostart = false

[services.file]
command = ["sh", "-c", "touch \\"$KELPIE_READY_FILE\\"; exec sleep 1000"]
ready = { file = true }
`);
  const seen: string[] = [];
  const ac = new AbortController();
  try {
    p.write('db-ok', '');
    const up = await p.kelpie(['up', '-d']);
    assert.equal(up.code, 0, up.stderr + p.daemonLog());
    const db = (await p.pid('db'))!;
    const file = (await p.pid('file'))!;
    const row = (s: Awaited<ReturnType<Project['status']>>, n: string) => s.services.find((x) => x.name === n)!;
    void p.client.events((e) => e.type.endsWith('ready') && seen.push(`${e.service} ${e.type}`), ac.signal).catch(() => {});

    // The probe starts failing: db is unready, still running under the same pid.
    rmSync(join(p.dir, 'db-ok'));
    let st = await p.until((s) => row(s, 'db').unready !== null, 'db unready');
    assert.equal(row(st, 'db').state, 'running');
    assert.equal(row(st, 'db').pid, db);
    assert.match(row(st, 'db').unready!, /readiness probe failed 2 time\(s\) in a row/);
    assert.match((await p.kelpie(['status'])).stdout, /db .* not ready: readiness probe failed/);
    assert.match((await p.kelpie(['status', 'db'])).stdout, /not ready: {2}readiness probe failed .* \(still running\)/);
    // A start of a dependent that needs db ready waits for it; bounded by --timeout, it fails.
    const waiting = await p.kelpie(['start', 'app', '--timeout', '1s']);
    assert.notEqual(waiting.code, 0, 'app started although db, which it requires ready, was not ready');
    // The probe passes again: ready again, and the dependent can start.
    p.write('db-ok', '');
    st = await p.until((s) => row(s, 'db').unready === null, 'db ready again');
    assert.equal(row(st, 'db').pid, db);
    const started = await p.kelpie(['start', 'app']);
    assert.equal(started.code, 0, started.stderr);

    // The ready file is removed: unready; created again: ready again. Same process all along.
    const readyFile = join(p.home, 'ready', 'file.ready');
    rmSync(readyFile);
    st = await p.until((s) => row(s, 'file').unready !== null, 'file unready');
    assert.match(row(st, 'file').unready!, /was removed/);
    writeFileSync(readyFile, '');
    st = await p.until((s) => row(s, 'file').unready === null, 'file ready again');
    assert.equal(row(st, 'file').pid, file);
    assert.equal(row(st, 'file').state, 'running');
    // Every transition was on the event stream, in order. That stream is another connection
    // than the status polls above: its last event may still be on its way.
    for (const end = Date.now() + 5000; seen.length < 4 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, ['db unready', 'db ready', 'file unready', 'file ready']);
  } finally {
    ac.abort();
    await p.cleanup();
  }
});
