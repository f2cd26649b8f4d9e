// Capabilities end to end: grant, attenuate offline, revoke, expiry, refusals, audit, a second user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Project, fixture, BIN } from '../helpers/project.js';

const services = `
[services.web-1]
command = ${fixture('forever')}
[services.web-2]
command = ${fixture('forever')}
[services.db]
command = ${fixture('forever')}
`;

test('grant, use, refuse, attenuate offline, revoke: no token grants more than its parent', async () => {
  const p = new Project(services);
  try {
    await p.up();
    const g = await p.kelpie(['grant', '--services', 'web-*', '--actions', 'status,logs,restart', '--expires', '7d', '--out', 'alice.cap', '--note', 'for alice']);
    assert.equal(g.code, 0, g.stderr);
    const alice = (args: string[]) => p.kelpie(['--cap', 'alice.cap', ...args]);
    assert.equal((await alice(['restart', 'web-1'])).code, 0);
    const refused = await alice(['stop', 'db']);
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, /kelpie: error: not permitted: this capability does not allow 'stop' on 'db'/);
    assert.equal((await alice(['stop', 'web-1'])).code, 5);
    const st = JSON.parse((await alice(['status', '--json'])).stdout);
    assert.deepEqual(st.services.map((s: { name: string }) => s.name), ['web-1', 'web-2']);
    // Offline attenuation: narrower still, without asking the daemon.
    const a = await p.kelpie(['--cap', 'alice.cap', 'cap', 'attenuate', '--actions', 'status', '--out', 'bob.cap']);
    assert.equal(a.code, 0, a.stderr);
    const bob = (args: string[]) => p.kelpie(['--cap', 'bob.cap', ...args]);
    assert.equal((await bob(['status'])).code, 0);
    assert.equal((await bob(['restart', 'web-1'])).code, 5);
    // Revoking alice's grant revokes bob's too (derived).
    const list = JSON.parse((await p.kelpie(['cap', 'list', '--json'])).stdout) as Array<{ id: string; note: string }>;
    const id = list.find((x) => x.note === 'for alice')!.id;
    assert.equal((await p.kelpie(['cap', 'revoke', id])).code, 0);
    assert.equal((await alice(['status'])).code, 5);
    const b = await bob(['status']);
    assert.equal(b.code, 5);
    assert.match(b.stderr, /revoked/);
    // The owner is unaffected; tokens never appear in the audit log or the daemon log.
    assert.equal((await p.kelpie(['status'])).code, 0);
    const audit = readFileSync(`${p.home}/audit.log`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const refusal = audit.find((r) => r.action === 'stop' && r.target === 'db');
    assert.equal(refusal.outcome, 'refused');
    assert.equal(refusal.token, id);
    assert.equal(refusal.uid, 0);
    assert.ok(refusal.pid > 0);
    const secret = readFileSync(`${p.dir}/alice.cap`, 'utf8').trim();
    for (const f of ['audit.log', 'kelpie.log']) assert.ok(!readFileSync(`${p.home}/${f}`, 'utf8').includes(secret.split('.')[2]!), `${f} holds a signature`);
    assert.equal(readFileSync(`${p.home}/root.cap`).length > 0 && (spawnSync('stat', ['-c', '%a', `${p.home}/root.cap`], { encoding: 'utf8' }).stdout.trim()), '600');
  } finally {
    await p.cleanup();
  }
});

test('graph: a capability limited to some services sees only them, in text and dot alike', async () => {
  // web-1 requires db, web-2 wants web-1: a token for web-1 must see web-1 alone, with no edge
  // naming db or web-2, in every form `kelpie graph` prints.
  const p = new Project(`
[services.db]
command = ${fixture('forever')}
[services.web-1]
command = ${fixture('forever')}
requires = ["db"]
[services.web-2]
command = ${fixture('forever')}
wants = ["web-1"]
`);
  try {
    await p.up();
    const g = await p.kelpie(['grant', '--services', 'web-1', '--actions', 'status,graph', '--out', 'web1.cap']);
    assert.equal(g.code, 0, g.stderr);
    const narrow = await p.kelpie(['--cap', 'web1.cap', 'cap', 'attenuate', '--actions', 'graph', '--out', 'graph.cap']);
    assert.equal(narrow.code, 0, narrow.stderr);
    for (const cap of ['web1.cap', 'graph.cap']) {
      const text = await p.kelpie(['--cap', cap, 'graph']);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, 'web-1\n');
      const dot = await p.kelpie(['--cap', cap, 'graph', '--format', 'dot']);
      assert.equal(dot.code, 0, dot.stderr);
      assert.equal(dot.stdout, 'digraph kelpie {\n  node [shape=box];\n  "web-1";\n}\n');
      const json = JSON.parse((await p.kelpie(['--cap', cap, 'graph', '--json'])).stdout);
      for (const form of [json.text, json.dot, JSON.stringify(json.nodes), JSON.stringify(json.edges)]) {
        assert.doesNotMatch(form, /db|web-2/);
      }
    }
    // The root capability still sees every service and edge.
    const all = await p.kelpie(['graph']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'db\nweb-1 → db (ready)\nweb-2 → web-1 (wants)\n');
    const allDot = await p.kelpie(['graph', '--format', 'dot']);
    assert.match(allDot.stdout, /"web-1" -> "db" \[label="ready"\];/);
    assert.match(allDot.stdout, /"web-2" -> "web-1" \[style=dashed, label="wants"\];/);
  } finally {
    await p.cleanup();
  }
});

test('no capability, a malformed one, or an expired one is refused with exit 5', async () => {
  const p = new Project(services);
  try {
    await p.up();
    const none = await p.kelpie(['status'], { env: { KELPIE_CAP: '/nonexistent/cap' } });
    assert.equal(none.code, 5);
    assert.match(none.stderr, /not permitted: the request carries no capability/);
    const bad = await p.kelpie(['status'], { env: { KELPIE_CAP: 'kelpie-cap-v1.garbage.sig' } });
    assert.equal(bad.code, 5);
    assert.match(bad.stderr, /malformed/);
    assert.doesNotMatch(bad.stderr, /garbage/);
    assert.equal((await p.kelpie(['grant', '--actions', 'status', '--expires', '1s', '--out', 'short.cap'])).code, 0);
    assert.equal((await p.kelpie(['--cap', 'short.cap', 'status'])).code, 0);
    await new Promise((r) => setTimeout(r, 1100)); // the capability's own lifetime, not a sync
    const late = await p.kelpie(['--cap', 'short.cap', 'status']);
    assert.equal(late.code, 5);
    assert.match(late.stderr, /expired/);
  } finally {
    await p.cleanup();
  }
});

test('a second user with a capability can restart web, cannot stop db, cannot read the root capability', async () => {
  // Its own name: another run of the suite may be doing the same at the same time.
  const nobodyCap = `/tmp/kelpie-test-nobody-${process.pid}.cap`;
  assert.equal(process.getuid?.(), 0, 'this test needs root (CI runs as root) to act as a second user');
  const p = new Project(services);
  try {
    await p.up();
    chmodSync(p.dir, 0o711);
    assert.equal((await p.kelpie(['grant', '--services', 'web-1', '--actions', 'status,restart', '--out', 'grant.cap'])).code, 0);
    copyFileSync(`${p.dir}/grant.cap`, nobodyCap);
    chownSync(nobodyCap, 65534, 65534);
    const asNobody = (args: string[]) =>
      spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, BIN, '--home', p.home, ...args], {
        cwd: '/tmp', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', KELPIE_TEST_MARK: p.mark },
      });
    const ok = asNobody(['--cap', nobodyCap, 'restart', 'web-1']);
    assert.equal(ok.status, 0, ok.stderr);
    const no = asNobody(['--cap', nobodyCap, 'stop', 'db']);
    assert.equal(no.status, 5);
    assert.match(no.stderr, /does not allow 'stop' on 'db'/);
    const bare = asNobody(['status']);
    assert.equal(bare.status, 5, bare.stderr);
    const steal = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', 'cat', `${p.home}/root.cap`], { encoding: 'utf8' });
    assert.notEqual(steal.status, 0);
    assert.match(steal.stderr, /Permission denied/);
    const audit = readFileSync(`${p.home}/audit.log`, 'utf8');
    assert.match(audit, /"uid":65534/);
  } finally {
    rmSync(nobodyCap, { force: true });
    await p.cleanup();
  }
});
