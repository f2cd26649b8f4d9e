import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditLog, CAP_FILES, CapStoreError, attenuate, decode, describe, encode, grantFrom, loadRevokedIds, loadRootKey,
  loadRootToken, readGrants, readRevoked, recordGrant, revoke, verify, verifySignature, type GrantRecord,
} from '../../src/caps/index.js';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kelpie-caps-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'caps'); // not created yet: the store creates it
}
const mode = (p: string): number => statSync(p).mode & 0o777;
const noTemps = (dir: string): void => assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);

test('the root key is created once, 0600, in a 0700 directory, and then kept', (t) => {
  const dir = scratch(t);
  const key = loadRootKey(dir);
  assert.equal(key.length, 32);
  assert.equal(mode(dir), 0o700);
  assert.equal(mode(join(dir, CAP_FILES.key)), 0o600);
  assert.match(readFileSync(join(dir, CAP_FILES.key), 'utf8'), /^[0-9a-f]{64}\n$/);
  assert.deepEqual(loadRootKey(dir), key);
  noTemps(dir);
});

test('an existing key is used, never replaced; a key open to others or damaged is refused', (t) => {
  const dir = scratch(t);
  loadRootKey(dir);
  const path = join(dir, CAP_FILES.key);
  writeFileSync(path, `${'ab'.repeat(32)}\n`);
  assert.equal(loadRootKey(dir).toString('hex'), 'ab'.repeat(32));
  chmodSync(path, 0o644);
  assert.throws(() => loadRootKey(dir), (e: unknown) => e instanceof CapStoreError && /open to other users \(mode 644\); run chmod 600/.test(e.message));
  chmodSync(path, 0o600);
  if (process.getuid?.() === 0) {
    chownSync(path, 65534, 65534);
    assert.throws(() => loadRootKey(dir), (e: unknown) => e instanceof CapStoreError && /owned by uid 65534/.test(e.message));
    chownSync(path, 0, 0);
  }
  writeFileSync(path, 'short\n');
  assert.throws(() => loadRootKey(dir), (e: unknown) => e instanceof CapStoreError && /not a root key/.test(e.message) && !e.message.includes('short'));
});

test('daemons creating the key at the same moment all end up with the same key', async (t) => {
  const dir = scratch(t);
  const store = new URL('../../src/caps/store.ts', import.meta.url).pathname;
  const script = `import { loadRootKey } from ${JSON.stringify(store)}; process.stdout.write(loadRootKey(process.argv[1]).toString('hex'));`;
  const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir]);
  const keys = (await Promise.all(Array.from({ length: 6 }, run))).map((r) => r.stdout);
  assert.equal(new Set(keys).size, 1);
  assert.equal(keys[0], loadRootKey(dir).toString('hex'));
  noTemps(dir);
});

test('root.cap: 0600, unrestricted, signed by the key; re-minted when the key changes or its id is revoked', (t) => {
  const dir = scratch(t);
  const key = loadRootKey(dir);
  const root = loadRootToken(dir, key);
  const path = join(dir, CAP_FILES.root);
  assert.equal(mode(path), 0o600);
  assert.equal(readFileSync(path, 'utf8'), `${encode(root)}\n`);
  assert.deepEqual(root.caveats, []);
  assert.ok(verifySignature(key, root));
  assert.deepEqual(loadRootToken(dir, key), root, 'kept across restarts');
  rmSync(join(dir, CAP_FILES.key));
  const key2 = loadRootKey(dir);
  const root2 = loadRootToken(dir, key2);
  assert.notEqual(root2.id, root.id);
  assert.ok(verifySignature(key2, root2) && !verifySignature(key2, root));
  const root3 = loadRootToken(dir, key2, new Set([root2.id]));
  assert.notEqual(root3.id, root2.id);
  noTemps(dir);
});

test('revocations persist, cascade through grants, and a damaged list fails closed', (t) => {
  const dir = scratch(t);
  const key = loadRootKey(dir);
  const root = loadRootToken(dir, key);
  assert.deepEqual(readRevoked(dir), []);
  const alice = grantFrom(key, root, [{ kind: 'services', patterns: ['web-*'] }, { kind: 'expires', at: Date.UTC(2030, 0, 1) }]);
  const bob = grantFrom(key, alice, [{ kind: 'actions', actions: ['status'] }]);
  const record = (tok: typeof alice, parent: string): GrantRecord => ({
    ...describe(tok), parent, created: new Date(0).toISOString(), expires: new Date(describe(tok).expires!).toISOString(), note: 'for tests',
  });
  recordGrant(dir, record(alice, root.id));
  recordGrant(dir, record(bob, alice.id));
  assert.deepEqual(readGrants(dir).map((g) => g.id), [alice.id, bob.id]);
  assert.deepEqual(readGrants(dir)[0]!.caveats, alice.caveats);
  const grantsText = readFileSync(join(dir, CAP_FILES.grants), 'utf8');
  for (const tok of [root, alice, bob]) {
    assert.ok(!grantsText.includes(tok.sig.toString('base64url')) && !grantsText.includes(tok.sig.toString('hex')), 'never the secret');
    assert.ok(!grantsText.includes(encode(tok)));
  }
  assert.equal(revoke(dir, alice.id, 0), true);
  assert.equal(revoke(dir, alice.id), false, 'already revoked');
  assert.deepEqual(readRevoked(dir), [{ id: alice.id, revoked: '1970-01-01T00:00:00.000Z' }]);
  const revoked = loadRevokedIds(dir);
  assert.deepEqual(revoked, new Set([alice.id, bob.id]));
  const ctx = { now: 0, nodeFingerprint: 'n', revoked };
  assert.ok(verify(key, root, ctx).ok);
  assert.ok(!verify(key, attenuate(alice, { kind: 'actions', actions: ['logs'] }), ctx).ok, 'offline descendants too');
  assert.ok(!verify(key, bob, ctx).ok);
  for (const f of [CAP_FILES.revoked, CAP_FILES.grants]) assert.equal(mode(join(dir, f)), 0o600);
  assert.throws(() => revoke(dir, 'nope'), RangeError);
  writeFileSync(join(dir, CAP_FILES.revoked), '{"version":1,"revoked":[{"id":"x"}]}');
  assert.throws(() => loadRevokedIds(dir), (e: unknown) => e instanceof CapStoreError && /damaged/.test(e.message));
  writeFileSync(join(dir, CAP_FILES.revoked), '');
  assert.throws(() => readRevoked(dir), CapStoreError);
  noTemps(dir);
});

test('audit.log: 0600, append-only JSON lines, never a token', (t) => {
  const dir = scratch(t);
  const key = loadRootKey(dir);
  const token = encode(loadRootToken(dir, key));
  const log = AuditLog.open(dir);
  log.write({ time: 0, action: 'restart', target: 'web', tokenId: 'ab'.repeat(16), peer: { uid: 1000, pid: 42 }, outcome: 'allowed' });
  log.write({ time: 1, action: 'stop', target: `db ${token}\nforged`, tokenId: null, peer: null, outcome: 'refused', reason: `bad ${token}` });
  log.close();
  assert.throws(() => log.write({ time: 2, action: 'x', target: null, tokenId: null, peer: null, outcome: 'failed' }), CapStoreError);
  const path = join(dir, CAP_FILES.audit);
  assert.equal(mode(path), 0o600);
  chmodSync(path, 0o644);
  const again = AuditLog.open(dir);
  again.write({ time: 2, action: 'shutdown', target: null, tokenId: null, peer: null, outcome: 'failed' });
  again.close();
  assert.equal(mode(path), 0o600, 'a loosened log is tightened on open');
  const text = readFileSync(path, 'utf8');
  assert.ok(!text.includes(token) && !text.includes(decode(token).ok ? token.split('.')[2]! : 'x'));
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0], { time: '1970-01-01T00:00:00.000Z', action: 'restart', target: 'web', token: 'ab'.repeat(16), uid: 1000, pid: 42, outcome: 'allowed' });
  assert.equal(lines[1]!.target, 'db [capability]\nforged');
  assert.equal(lines[1]!.reason, 'bad [capability]');
  assert.equal(lines[2]!.action, 'shutdown');
  assert.ok(existsSync(path));
});
