// The container entrypoint case without a Docker engine: a non-root user, a read-only
// project, state only in KELPIE_HOME, every service's output on stdout, SIGTERM → exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project, fixture, BIN, environOf, selfSignedCert, waitGone } from '../helpers/project.js';

test('non-root, read-only project, KELPIE_HOME elsewhere: runs, prefixes output, stops in order on SIGTERM', async () => {
  assert.equal(process.getuid?.(), 0, 'this test needs root (CI runs as root) to become a non-root user');
  const p = new Project(`
[services.web]
command = ${fixture('forever')}
[services.worker]
command = "echo worker up; exec sleep 1000"
requires = ["web"]
`);
  const home = mkdtempSync(join(tmpdir(), 'kelpie-home-'));
  try {
    chownSync(home, 65534, 65534);
    chmodSync(p.dir, 0o555); // read-only for everyone but root; nobody cannot write here
    chmodSync(join(p.dir, 'kelpie.toml'), 0o444);
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, BIN, 'up', '-f', join(p.dir, 'kelpie.toml')], {
      cwd: '/',
      env: { ...process.env, NO_COLOR: '1', KELPIE_HOME: home, KELPIE_TEST_MARK: p.mark },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no output: ${out} ${err}`)), 15_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (/web\s+\| started/.test(out) && /worker\s+\| worker up/.test(out)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    const code = new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    const t0 = Date.now();
    child.kill('SIGTERM');
    assert.equal(await code, 0, err);
    assert.ok(Date.now() - t0 < 10_000, 'within docker stop\'s 10 s grace');
    assert.deepEqual(await waitGone(p.mark, 3000), []);
    assert.deepEqual(readdirSync(p.dir), ['kelpie.toml'], 'nothing written beside the config');
    assert.ok(readdirSync(home).includes('logs'));
  } finally {
    chmodSync(p.dir, 0o755);
    rmSync(home, { recursive: true, force: true });
    await p.cleanup();
  }
});

test('kelpie up in the foreground turns itself into a keeper started as a daemon is, in place (same pid)', async () => {
  const p = new Project(`
[services.svc]
command = ["sleep", "1000"]
`);
  try {
    // A CA file for NODE_EXTRA_CA_CERTS: the keeper is started again without it, and the
    // service still gets it. That the keeper's own environment lacks it shows the restart.
    selfSignedCert(p.dir, 'key.pem', 'ca.pem', 'kelpie-test');
    const ca = join(p.dir, 'ca.pem');
    const child = spawn(process.execPath, [BIN, 'up'], {
      cwd: p.dir,
      env: { ...process.env, NO_COLOR: '1', KELPIE_TEST_MARK: p.mark, NODE_EXTRA_CA_CERTS: ca },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    const code = new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    await p.answering();
    const st = await p.until((s) => s.services[0]?.state === 'running', 'svc running');
    assert.equal(st.daemon.keeper_pid, child.pid, 'the keeper is the process that was started');
    const keeperEnv = environOf(child.pid!);
    assert.ok(!keeperEnv.some((e) => e.startsWith('NODE_EXTRA_CA_CERTS=')), 'started again without NODE_EXTRA_CA_CERTS');
    assert.ok(keeperEnv.includes(`KELPIE_DEFERRED_NODE_EXTRA_CA_CERTS=${ca}`));
    const svcEnv = environOf(st.services[0]!.pid!);
    assert.ok(svcEnv.includes(`NODE_EXTRA_CA_CERTS=${ca}`), 'the service gets it as it was set');
    assert.ok(!svcEnv.some((e) => e.startsWith('KELPIE_FOREGROUND_EXEC=') || e.startsWith('KELPIE_DEFERRED_')), svcEnv.filter((e) => e.startsWith('KELPIE')).join(' '));
    child.kill('SIGTERM');
    assert.equal(await code, 0, err);
    assert.deepEqual(await waitGone(p.mark, 3000), []);
  } finally {
    await p.cleanup();
  }
});
