// What a service process is given at spawn (the keeper spawns through posix_spawn where glibc
// has it), and that no exit is lost when children exit while other spawns are in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Project, environOf, fixture, freePort, selfSignedCert } from '../helpers/project.js';

/** The fields of /proc/PID/status and stat a service's spawn decides. */
function processOf(pid: number): { sigBlk: bigint; sigIgn: bigint; sid: number; pgrp: number; fds: string[]; fd0: string; cwd: string; env: string[] } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): bigint => BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)`, 'm').exec(status)?.[1] ?? 'ffff'}`);
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    sigBlk: field('SigBlk'),
    sigIgn: field('SigIgn'),
    pgrp: Number(rest[2]),
    sid: Number(rest[3]),
    fds: readdirSync(`/proc/${pid}/fd`).sort(),
    fd0: readlinkSync(`/proc/${pid}/fd/0`),
    cwd: readlinkSync(`/proc/${pid}/cwd`),
    env: environOf(pid),
  };
}

test('a service gets its own session, default signals, /dev/null, fds 0–2 only, its cwd and exactly its env', async () => {
  const p = new Project(`
[services.plain]
command = ["sleep", "1000"]
cwd = "work"
env = { FOO = "bar baz" }
clear_env = true

[services.notified]
command = ["sleep", "1000"]
ready = { fd = 5 }
ready_timeout = "1h"
`);
  mkdirSync(join(p.dir, 'work'));
  try {
    // \`notified\` never reports ready: \`up -d\` waits for it, so it is not awaited here.
    const up = p.kelpie(['up', '-d'], { timeoutMs: 60_000 });
    await p.answering();
    const st = await p.until((s) => s.services.every((x) => x.pid !== null) && s.services.find((x) => x.name === 'plain')?.state === 'running', 'both spawned');
    const plain = st.services.find((s) => s.name === 'plain')!;
    const pr = processOf(plain.pid!);
    assert.equal(pr.sigBlk, 0n, 'no signal blocked');
    // Node ignores SIGPIPE (and more): an ignored signal survives exec, so none of 1–31 may be.
    assert.equal(pr.sigIgn & 0x7fffffffn, 0n, `standard signals ignored: ${pr.sigIgn.toString(16)}`);
    assert.equal(pr.sid, plain.pid, 'leads its own session');
    assert.equal(pr.pgrp, plain.pid, 'leads its own process group');
    assert.deepEqual(pr.fds, ['0', '1', '2']);
    assert.equal(pr.fd0, '/dev/null');
    assert.equal(pr.cwd, join(p.dir, 'work'));
    assert.ok(pr.env.includes('FOO=bar baz'), pr.env.join(' '));
    assert.ok(pr.env.some((e) => e.startsWith('KELPIE_SERVICE=plain')), 'KELPIE_SERVICE set');
    assert.ok(!pr.env.some((e) => e.startsWith('KELPIE_TEST_MARK=')), 'clear_env: nothing of the caller');

    const notified = st.services.find((s) => s.name === 'notified')!;
    assert.equal(notified.state, 'starting');
    // Its notification fd and nothing else beyond 0–2; fd 5 is a pipe.
    const nf = processOf(notified.pid!);
    assert.deepEqual(nf.fds, ['0', '1', '2', '5']);
    assert.match(readlinkSync(`/proc/${notified.pid}/fd/5`), /^pipe:/);
    assert.equal(nf.sid, notified.pid);
    // Without clear_env: kelpie's environment (the caller's), minus kelpie's own variables, plus its own.
    assert.ok(nf.env.includes(`KELPIE_TEST_MARK=${p.mark}`), 'inherits the environment kelpie was started with');
    assert.ok(nf.env.includes('KELPIE_SERVICE=notified'));
    for (const internal of ['KELPIE_HOME=', 'KELPIE_CONFIG=', 'KELPIE_CONFIG_HANDOFF=', 'KELPIE_KEEPER_PID=']) {
      assert.ok(!nf.env.some((e) => e.startsWith(internal)), `${internal} leaked into a service`);
    }
    await p.kelpie(['down']);
    await up;
  } finally {
    await p.cleanup();
  }
});

test('NODE_EXTRA_CA_CERTS: the daemons start without it, services get it as set, an https probe trusts its CAs', async () => {
  const port = await freePort();
  const p = new Project(`
[services.web]
command = ${fixture('https-server', port, 'key.pem', 'cert.pem')}
ready = { http = "https://127.0.0.1:${port}/" }
ready_timeout = "4s"
restart = "never"
`);
  try {
    // A self-signed certificate for 127.0.0.1: trusted only through NODE_EXTRA_CA_CERTS.
    selfSignedCert(p.dir, 'key.pem', 'cert.pem');
    const ca = join(p.dir, 'cert.pem');

    // Without the variable, the probe cannot verify the certificate: never ready.
    const refused = await p.kelpie(['up', '-d'], { timeoutMs: 60_000 });
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    const failed = await p.client.service('web');
    assert.match(failed.lastProbe?.detail ?? '', /CERT|certificate/i, JSON.stringify(failed.lastProbe));
    assert.equal((await p.kelpie(['down'])).code, 0);

    // The program bin/kelpie defers the variable before Node starts; `node bin/kelpie` has it
    // set and the CLI defers it for the daemons. Either way, the same result.
    for (const viaNode of [false, true]) {
      const up = await p.kelpie(['up', '-d'], { timeoutMs: 60_000, env: { NODE_EXTRA_CA_CERTS: ca }, viaNode });
      assert.equal(up.code, 0, up.stdout + up.stderr + p.daemonLog());
      const st = await p.status();
      assert.equal(st.services[0]!.state, 'running');
      for (const daemon of [st.daemon.keeper_pid, st.daemon.controller_pid]) {
        assert.ok(!environOf(daemon).some((e) => e.startsWith('NODE_EXTRA_CA_CERTS=')), `pid ${daemon} started with NODE_EXTRA_CA_CERTS`);
      }
      const web = environOf(st.services[0]!.pid!);
      assert.ok(web.includes(`NODE_EXTRA_CA_CERTS=${ca}`), 'the service gets the variable as set');
      assert.ok(!web.some((e) => e.startsWith('KELPIE_DEFERRED_')), 'nothing of how the daemons carry it');
      assert.equal((await p.kelpie(['down'])).code, 0);
    }
  } finally {
    await p.cleanup();
  }
});

test('bin/kelpie run as a program starts Node without NODE_EXTRA_CA_CERTS, also through a symlink', () => {
  // Node reads the file at start-up and warns when it cannot: the warning shows whether it did.
  const dir = mkdtempSync(join(tmpdir(), 'kelpie-bin-'));
  try {
    const link = join(dir, 'kelpie');
    symlinkSync(BIN, link); // how npm installs it: a link in a bin directory
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'no-such-ca.pem') };
    const viaNode = spawnSync(process.execPath, [BIN, '--version'], { env, encoding: 'utf8' });
    assert.match(viaNode.stderr, /extra certs/, 'node bin/kelpie loads the file (the check below can fail)');
    for (const program of [BIN, link]) {
      const r = spawnSync(program, ['--version'], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^\d+\.\d+\.\d+/);
      assert.doesNotMatch(r.stderr, /extra certs/);
    }
    // Unset stays unset, and arguments pass through untouched.
    const plain = { ...process.env };
    delete plain.NODE_EXTRA_CA_CERTS;
    const r = spawnSync(BIN, ['check', '-f', join(dir, 'a b.toml')], { env: plain, encoding: 'utf8' });
    assert.match(r.stderr, /a b\.toml/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('commands: PATH of the service env, relative to cwd, a script without #! runs with sh, clear errors', async () => {
  const p = new Project(`
[services.tool]
command = ["mytool", "one"]
env = { PATH = "BIN:/usr/bin:/bin" }

[services.plain]
command = ["./plain"]
cwd = "sub"

[services.missing]
command = ["no-such-command-for-kelpie"]
restart = "never"

[services.denied]
command = ["sub/not-executable"]
restart = "never"
`);
  mkdirSync(join(p.dir, 'bin'));
  mkdirSync(join(p.dir, 'sub'));
  const toml = readFileSync(join(p.dir, 'kelpie.toml'), 'utf8').replace('BIN', join(p.dir, 'bin'));
  p.write('kelpie.toml', toml);
  p.write('bin/mytool', '#!/bin/sh\necho "tool ran with $1"\nexec sleep 1000\n');
  p.write('sub/plain', 'echo "plain script ran in $(pwd)"\nexec sleep 1000\n');
  p.write('sub/not-executable', 'echo never\n');
  chmodSync(join(p.dir, 'bin/mytool'), 0o755);
  chmodSync(join(p.dir, 'sub/plain'), 0o755);
  try {
    const up = await p.kelpie(['up', '-d']);
    assert.equal(up.code, 1, 'two services cannot start');
    assert.match(up.stdout, /missing\s+failed: could not start: command not found: no-such-command-for-kelpie/);
    assert.match(up.stdout, /denied\s+failed: could not start: permission denied: sub\/not-executable/);
    await p.untilLog('tool', /tool ran with one/);
    await p.untilLog('plain', new RegExp(`plain script ran in ${join(p.dir, 'sub')}`));
    const st = await p.status();
    for (const name of ['tool', 'plain']) assert.equal(st.services.find((s) => s.name === name)?.state, 'running', name);
  } finally {
    await p.cleanup();
  }
});

test('200 services that exit at once during their own cold start: every exit is seen, with its code', async () => {
  const n = 200;
  let toml = '';
  for (let i = 0; i < n; i++) toml += `[services.q${i}]\nkind = "oneshot"\ncommand = ["/bin/sh", "-c", "exit ${i % 2 ? 0 : 3}"]\nrestart = "never"\n\n`;
  const p = new Project(toml);
  try {
    await p.kelpie(['up', '-d'], { timeoutMs: 60_000 });
    const st = await p.until((s) => s.services.every((x) => x.state === 'done' || x.state === 'failed'), 'every oneshot finished', 60_000);
    for (let i = 0; i < n; i++) {
      const s = st.services.find((x) => x.name === `q${i}`)!;
      assert.equal(s.state, i % 2 ? 'done' : 'failed', `q${i}: ${s.state} (${s.reason})`);
      if (!(i % 2)) assert.match(s.reason ?? '', /3/, `q${i} exit code in: ${s.reason}`);
    }
    const keeper = st.daemon.keeper_pid;
    // No zombie is left under the keeper.
    const children = readdirSync(`/proc/${keeper}/task`).flatMap((tid) => readFileSync(`/proc/${keeper}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
    const zombies = children.filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
      } catch {
        return false;
      }
    });
    assert.deepEqual(zombies, []);
  } finally {
    await p.cleanup();
  }
});
