// The CLI contract: exit codes, error messages, check, enable/disable, signal, two projects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Project, fixture, alive } from '../helpers/project.js';

test('exit codes: unknown service 3, unreachable daemon 4, usage 2, bad config 2', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
`);
  try {
    const unreachable = await p.kelpie(['status']);
    assert.equal(unreachable.code, 4);
    assert.match(unreachable.stderr, /^kelpie: error: cannot reach kelpie at .*kelpie\.sock/m);
    assert.match(unreachable.stderr, /hint: /);
    const bad = await p.kelpie(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /kelpie: error: unknown command "frobnicate"/);
    await p.up();
    const unknown = await p.kelpie(['stop', 'nope']);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /kelpie: error: no service named "nope"/);
    assert.match(unknown.stderr, /known services: a/);
    const again = await p.kelpie(['up', '-d']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already runs/);
    const json = await p.kelpie(['status', 'nope', '--json']);
    assert.equal(json.code, 3);
    assert.equal(JSON.parse(json.stdout).error.code, 'KELPIE_E_UNKNOWN_SERVICE');
    // status and down start from a small CommonJS entry; with another node (-r, --remote,
    // KELPIE_REMOTE) status goes on to the full CLI, which knows remotes.
    for (const [args, env] of [[['-r', 'nowhere', 'status'], {}], [['status', '--remote=nowhere'], {}], [['status'], { KELPIE_REMOTE: 'nowhere' }]] as const) {
      const r = await p.kelpie([...args], { env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /--remote: no remote named "nowhere"/);
    }
    const remoteDown = await p.kelpie(['down', '-r', 'nowhere']);
    assert.equal(remoteDown.code, 2);
    assert.match(remoteDown.stderr, /down works on this machine only/);
    const help = await p.kelpie(['--help']);
    assert.equal(help.code, 0);
    for (const verb of ['up', 'down', 'status', 'logs', 'graph', 'completion']) assert.match(help.stdout, new RegExp(`^  ${verb} `, 'm'));
  } finally {
    await p.cleanup();
  }
});

test('a broken config is reported with file, line and field, and starts nothing', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
restart = "sometimes"
`);
  try {
    const r = await p.kelpie(['up', '-d']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /kelpie\.toml:4:\d+: services\.a\.restart: .*"sometimes"/);
    assert.match(r.stderr, /nothing was started/);
    const c = await p.kelpie(['check']);
    assert.equal(c.code, 2);
    p.write('good.toml', `[services.b]\ncommand = "true"\n`);
    const ok = await p.kelpie(['check', 'good.toml']);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /ok, 1 service/);
  } finally {
    await p.cleanup();
  }
});

test('disable stops a service and keeps it from starting; enable allows it again', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
`);
  try {
    await p.up();
    const pid = (await p.pid('a'))!;
    assert.equal((await p.kelpie(['disable', 'a'])).code, 0);
    assert.equal(alive(pid), false);
    assert.equal((await p.status()).services[0]!.state, 'disabled');
    const refused = await p.kelpie(['start', 'a']);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout + refused.stderr, /disabled/);
    assert.equal((await p.kelpie(['enable', 'a'])).code, 0);
    assert.equal((await p.kelpie(['start', 'a'])).code, 0);
    assert.equal((await p.status()).services[0]!.state, 'running');
  } finally {
    await p.cleanup();
  }
});

test('signal sends to the process group; restart gives a new pid', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
restart = "never"
`);
  try {
    await p.up();
    const pid = (await p.pid('a'))!;
    const r = await p.kelpie(['restart', 'a']);
    assert.equal(r.code, 0, r.stderr);
    const pid2 = (await p.pid('a'))!;
    assert.notEqual(pid2, pid);
    assert.equal(alive(pid), false);
    // The fixture exits 0 on SIGTERM once its handler is in place, which it says by printing.
    await p.untilLog('a', new RegExp(`^started ${pid2}$`));
    assert.equal((await p.kelpie(['signal', 'a', 'TERM'])).code, 0);
    await p.untilState('a', 'stopped');
    const bad = await p.kelpie(['signal', 'a', 'TERM']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /no running process/);
  } finally {
    await p.cleanup();
  }
});

test('two projects run side by side without clashing', async () => {
  const a = new Project(`[services.same]\ncommand = ${fixture('forever')}\n`);
  const b = new Project(`[services.same]\ncommand = ${fixture('forever')}\n`);
  try {
    await a.up();
    await b.up();
    const [sa, sb] = [await a.status(), await b.status()];
    assert.notEqual(sa.daemon.keeper_pid, sb.daemon.keeper_pid);
    assert.notEqual(sa.services[0]!.pid, sb.services[0]!.pid);
    await a.kelpie(['down']);
    assert.equal((await b.status()).services[0]!.state, 'running');
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

test('the CLI finds the daemon from a subdirectory, and --home points anywhere', async () => {
  const p = new Project(`[services.a]\ncommand = ${fixture('forever')}\n`);
  try {
    await p.up();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(`${p.dir}/sub/deeper`, { recursive: true });
    const { spawnSync } = await import('node:child_process');
    const { BIN } = await import('../helpers/project.js');
    const r = spawnSync(process.execPath, [BIN, 'status', '--json'], { cwd: `${p.dir}/sub/deeper`, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).services[0].name, 'a');
    const h = spawnSync(process.execPath, [BIN, '--home', `${p.dir}/.kelpie`, 'status', '--json'], { cwd: '/', encoding: 'utf8' });
    assert.equal(h.status, 0, h.stderr);
  } finally {
    await p.cleanup();
  }
});
