// Per-service privileges, verified from /proc and from the files a service creates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Project, BIN } from '../helpers/project.js';

test('user, group, umask, nice, rlimits and clear_env reach the service process', async () => {
  assert.equal(process.getuid?.(), 0, 'this test needs root (CI runs as root): kelpie must switch users');
  const p = new Project(`
[services.jailed]
command = ["sh", "-c", "touch created; echo env=$(env | sort | tr '\\\\n' ' '); exec sleep 1000"]
user = "nobody"
group = "nogroup"
umask = "077"
nice = 7
rlimits = { nofile = 256, nproc = 512 }
clear_env = true
env = { ONLY = "this" }
`);
  try {
    chmodSync(p.dir, 0o777); // nobody writes its file here
    assert.equal((await p.kelpie(['up', '-d'])).code, 0);
    const line = await p.untilLog('jailed', /^env=/);
    const pid = (await p.pid('jailed'))!;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(status, /^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
    assert.match(status, /^Groups:\s*$/m);
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    assert.match(limits, /Max open files\s+256\s+256/);
    assert.match(limits, /Max processes\s+512\s+512/);
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    assert.equal(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]), 7);
    const st = statSync(`${p.dir}/created`);
    assert.equal(st.uid, 65534);
    assert.equal(st.mode & 0o777, 0o600);
    assert.doesNotMatch(line, /KELPIE_TEST_MARK|HOME=/);
    assert.match(line, /ONLY=this/);
    assert.match(line, /KELPIE_SERVICE=jailed/);
  } finally {
    await p.cleanup();
  }
});

test('a kelpie that is not root rejects a user other than itself at load, and unknown users anywhere', async () => {
  const p = new Project(`
[services.a]
command = "true"
user = "root"

[services.b]
command = "true"
user = "no-such-user-here"
`);
  try {
    chmodSync(p.dir, 0o755);
    chmodSync(`${p.dir}/kelpie.toml`, 0o644);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, BIN, 'check'], { cwd: p.dir, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /services\.a\.user: kelpie runs as uid 65534, not root: it cannot run a service as "root"/);
    assert.match(r.stderr, /services\.b\.user: no user named "no-such-user-here"/);
    const asRoot = await p.kelpie(['check']);
    assert.equal(asRoot.code, 2);
    assert.doesNotMatch(asRoot.stderr, /services\.a\.user/);
  } finally {
    await p.cleanup();
  }
});
