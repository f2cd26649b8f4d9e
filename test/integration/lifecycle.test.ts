// Foundation behaviour: up, status, down, restart policy, controller crash, staged stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Project, fixture, alive } from '../helpers/project.js';

test('up -d starts the services, status reports them, down stops everything', async () => {
  const p = new Project(`
[services.web]
command = ${fixture('forever')}

[services.worker]
command = "echo hello from worker; exec sleep 1000"
`);
  try {
    const up = await p.up();
    assert.match(up.stdout, /ok\s+web\s+running/);
    const st = await p.status();
    assert.equal(st.daemon.version.length > 0, true);
    assert.ok(alive(st.daemon.keeper_pid) && alive(st.daemon.controller_pid));
    for (const s of st.services) {
      assert.equal(s.state, 'running');
      assert.ok(s.pid !== null && alive(s.pid));
      assert.equal(s.restarts, 0);
    }
    const json = JSON.parse((await p.kelpie(['status', '--json'])).stdout);
    assert.deepEqual(Object.keys(json.daemon).filter((k) => ['keeper_pid', 'controller_pid', 'version'].includes(k)).sort(), ['controller_pid', 'keeper_pid', 'version']);
    assert.deepEqual(json.services.map((s: { name: string }) => s.name), ['web', 'worker']);
    const text = (await p.kelpie(['status'])).stdout;
    assert.match(text, /running \(2\)/);
    await p.untilLog('worker', /hello from worker/);
    const down = await p.kelpie(['down', '--json']);
    assert.equal(down.code, 0, down.stderr);
    // What was stopped comes with the shutdown's reply (no status call before it).
    assert.deepEqual(JSON.parse(down.stdout), { stopped: ['web', 'worker'], keeper_pid: st.daemon.keeper_pid, clean: true });
    for (const s of st.services) assert.equal(alive(s.pid!), false, `${s.name} still alive`);
    assert.equal(alive(st.daemon.keeper_pid), false);
  } finally {
    await p.cleanup();
  }
});

test('a service sees exactly fds 0, 1, 2 with stdin on /dev/null, its env and the config dir as cwd', async () => {
  const p = new Project(`
[services.probe]
command = ["sh", "-c", "echo A=$A B=$B INHERITED=$FROM_CLI PWD=$(pwd); exec sleep 1000"]
env = { A = "1", B = "two" }
`);
  try {
    await p.kelpie(['up', '-d'], { env: { FROM_CLI: 'yes' } });
    const pid = (await p.pid('probe'))!;
    const fds = readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
    assert.deepEqual(fds, [0, 1, 2]);
    assert.equal(readlinkSync(`/proc/${pid}/fd/0`), '/dev/null');
    const line = await p.untilLog('probe', /A=/);
    assert.equal(line, `A=1 B=two INHERITED=yes PWD=${p.dir}`);
  } finally {
    await p.cleanup();
  }
});

test('kill -9 of the controller: a new one takes over and no service is restarted', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
[services.b]
command = ${fixture('forever')}
`);
  try {
    await p.up();
    const before = await p.status();
    process.kill(before.daemon.controller_pid, 'SIGKILL');
    const after = await p.until((s) => s.daemon.controller_pid !== before.daemon.controller_pid, 'a new controller');
    assert.equal(after.daemon.keeper_pid, before.daemon.keeper_pid);
    assert.equal(after.daemon.controller_restarts, 1);
    assert.deepEqual(after.services.map((s) => [s.name, s.pid, s.state, s.restarts]), before.services.map((s) => [s.name, s.pid, s.state, 0]));
  } finally {
    await p.cleanup();
  }
});

test('a service that dies while the controller is down is handled by its policy', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
restart = "always"
`);
  try {
    await p.up();
    const before = await p.status();
    const pid = before.services[0]!.pid!;
    process.kill(before.daemon.controller_pid, 'SIGKILL');
    process.kill(pid, 'SIGKILL');
    const after = await p.until((s) => s.services[0]!.state === 'running' && s.services[0]!.pid !== pid, 'a respawned a');
    assert.equal(after.services[0]!.restarts, 1);
    const detail = await p.client.service('a');
    assert.equal(detail.exits[0]?.signal, 'SIGKILL');
    assert.equal(detail.exits[0]?.requested, false);
  } finally {
    await p.cleanup();
  }
});

test('a stop of many services at once: one request to the keeper, every exit recorded as requested', async () => {
  const names = Array.from({ length: 30 }, (_, i) => `s${i}`);
  const p = new Project(names.map((n) => `[services.${n}]\ncommand = ["sleep", "1000"]\n`).join('\n'));
  try {
    await p.up();
    const pids = (await p.status()).services.map((s) => s.pid!);
    // The signals asked for in one turn go to the keeper together ('signals'); each is still
    // checked on its own, and each exit is still the stop that was asked for.
    const r = await p.kelpie(['stop', ...names]);
    assert.equal(r.code, 0, r.stderr + p.daemonLog());
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} still alive`);
    for (const n of names) {
      const d = await p.client.service(n);
      assert.equal(d.state, 'stopped', n);
      assert.equal(d.exits[0]?.signal, 'SIGTERM', n);
      assert.equal(d.exits[0]?.requested, true, n);
    }
    assert.doesNotMatch(p.daemonLog(), /signal SIGTERM failed|unknown request/);
  } finally {
    await p.cleanup();
  }
});

test('kill -9 of a service: respawned by its policy, exit recorded', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
`);
  try {
    await p.up();
    const pid = (await p.pid('a'))!;
    process.kill(pid, 'SIGKILL');
    const st = await p.until((s) => s.services[0]!.state === 'running' && s.services[0]!.pid !== pid, 'a respawn');
    assert.equal(st.services[0]!.restarts, 1);
    const r = await p.kelpie(['status', 'a']);
    assert.match(r.stdout, /signal SIGKILL/);
    assert.match(r.stdout, /unrequested/);
  } finally {
    await p.cleanup();
  }
});

test('stop escalates to SIGKILL of the whole group after the timeout and records it as forced', async () => {
  const p = new Project(`
[services.stubborn]
command = ${fixture('ignores-sigterm')}
stop = { timeout = "300ms" }
`);
  try {
    await p.up();
    await p.untilLog('stubborn', /ready/);
    const pid = (await p.pid('stubborn'))!;
    const r = await p.kelpie(['stop', 'stubborn']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(alive(pid), false);
    const d = await p.client.service('stubborn');
    assert.equal(d.state, 'stopped');
    assert.equal(d.exits[0]?.forced, true);
    assert.equal(d.exits[0]?.signal, 'SIGKILL');
    assert.match((await p.kelpie(['status', 'stubborn'])).stdout, /forced \(SIGKILL\)/);
  } finally {
    await p.cleanup();
  }
});

test('nothing a stopped service started in its process group survives', async () => {
  const p = new Project(`
[services.parent]
command = ${fixture('forks-children', 3)}
`);
  try {
    await p.up();
    await p.untilLog('parent', /^ready$/);
    const children = p.serviceLog('parent').split('\n').flatMap((l) => /child (\d+)/.exec(l)?.[1] ?? []).map(Number);
    assert.equal(children.length, 3);
    for (const c of children) assert.ok(alive(c));
    await p.kelpie(['stop', 'parent']);
    for (const c of children) assert.equal(alive(c), false, `child ${c} survived`);
  } finally {
    await p.cleanup();
  }
});

test('children left behind by a crashed leader are killed with it', async () => {
  const p = new Project(`
[services.parent]
command = ["sh", "-c", "node ${fixture('ignores-sigterm').slice(2, -2).split('","')[1]} & echo child $!; sleep 0.3; exit 4"]
restart = "never"
`);
  try {
    await p.up();
    const line = await p.untilLog('parent', /^child \d+/);
    const child = Number(line.split(' ')[1]);
    await p.untilState('parent', 'failed');
    assert.equal(alive(child), false);
  } finally {
    await p.cleanup();
  }
});

test('up hands the config it checked to the controller: the snapshot is in place and no handoff file is left', async () => {
  const p = new Project(`
[services.one]
command = ["sleep", "1000"]
env = { WHICH = "first" }
`);
  try {
    await p.up();
    const home = readdirSync(p.home);
    assert.deepEqual(home.filter((n) => n.startsWith('config.handoff.')), [], `left in the home: ${home.join(' ')}`);
    assert.ok(home.includes('config.json'), 'the controller keeps the config as its snapshot');
    const pid = await p.pid('one');
    assert.ok(pid !== null);
    assert.match(readFileSync(`/proc/${pid}/environ`, 'latin1'), /WHICH=first/);
    // A reload reads the file itself, not the snapshot.
    p.write('kelpie.toml', '[services.one]\ncommand = ["sleep", "1000"]\nenv = { WHICH = "second" }\n');
    const r = await p.kelpie(['reload']);
    assert.equal(r.code, 0, r.stderr);
    const st = await p.until((s) => s.services.some((x) => x.name === 'one' && x.state === 'running' && x.pid !== pid), 'one restarted with the new env');
    const again = st.services.find((x) => x.name === 'one')!.pid!;
    assert.match(readFileSync(`/proc/${again}/environ`, 'latin1'), /WHICH=second/);
  } finally {
    await p.cleanup();
  }
});
