import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { attenuate, describe, grantFrom, mintRoot, newId, revokedClosure, verify, type Caveat, type GrantRecord, type Token } from '../../src/caps/index.js';
import { caveat, chain, KEY } from './arb.js';

const build = (cs: readonly Caveat[], from: Token = mintRoot(KEY)): Token => cs.reduce(attenuate, from);
const ctx = (now: number, nodeFingerprint = 'node-1', revoked = new Set<string>()) => ({ now, nodeFingerprint, revoked });

test('expiry: valid strictly before the earliest expires caveat, refused from then on', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 1e12 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 1e12 }), (ats, now) => {
    const t = build(ats.map((at) => ({ kind: 'expires', at })));
    const first = Math.min(...ats);
    assert.equal(describe(t).expires, first);
    const r = verify(KEY, t, ctx(now));
    assert.equal(r.ok, now < first);
    if (!r.ok) assert.match(r.reason, /expired at \d{4}-\d\d-\d\dT/);
  }));
  assert.equal(describe(mintRoot(KEY)).expires, null);
});

test('node pinning: valid only where the fingerprint matches', () => {
  const t = attenuate(mintRoot(KEY), { kind: 'node', fingerprint: 'sha256:abc' });
  assert.ok(verify(KEY, t, ctx(0, 'sha256:abc')).ok);
  const r = verify(KEY, t, ctx(0, 'sha256:abd'));
  assert.ok(!r.ok && /another node/.test(r.reason));
  const twoNodes = attenuate(t, { kind: 'node', fingerprint: 'sha256:xyz' });
  assert.ok(!verify(KEY, twoNodes, ctx(0, 'sha256:abc')).ok && !verify(KEY, twoNodes, ctx(0, 'sha256:xyz')).ok, 'pinned to two nodes: valid on none');
});

test('revoking the root id revokes every token derived from it, and nothing else', () => {
  fc.assert(fc.property(chain, chain, (a, b) => {
    const root = mintRoot(KEY);
    const other = mintRoot(KEY);
    const r = verify(KEY, build(b, build(a, root)), ctx(0, 'node-1', new Set([root.id])));
    assert.ok(!r.ok && r.reason.includes('revoked'));
    const o = verify(KEY, build(b, other), ctx(0, 'node-1', new Set([root.id])));
    const unrevoked = verify(KEY, build(b, other), ctx(0, 'node-1'));
    assert.equal(o.ok, unrevoked.ok);
  }));
});

test('revokedClosure: revoking a grant revokes what was granted from it, however deep', () => {
  const [a, b, c, d] = [newId(), newId(), newId(), newId()];
  const g = (id: string, parent: string | null): GrantRecord => ({ id, parent, caveats: [], created: '', expires: null, note: '' });
  const grants = [g(b, a), g(c, b), g(d, null), g(a, c)]; // a cycle cannot hang it
  assert.deepEqual(revokedClosure([b], grants), new Set([b, c, a]));
  assert.deepEqual(revokedClosure([d], grants), new Set([d]));
  assert.deepEqual(revokedClosure([], grants), new Set());
  const parent = mintRoot(KEY);
  const grant = grantFrom(KEY, parent, [{ kind: 'actions', actions: ['status'] }]);
  const revoked = revokedClosure([parent.id], [g(grant.id, parent.id)]);
  assert.ok(!verify(KEY, grant, ctx(0, 'node-1', revoked)).ok);
});

test('describe never carries the signature', () => {
  fc.assert(fc.property(fc.array(caveat, { maxLength: 4 }), (cs) => {
    const t = build(cs);
    const d = describe(t);
    assert.deepEqual(Object.keys(d).sort(), ['caveats', 'expires', 'id']);
    assert.ok(!JSON.stringify(d).includes(t.sig.toString('base64url')) && !JSON.stringify(d).includes(t.sig.toString('hex')));
  }));
});

test('tokens are immutable values', () => {
  const t = attenuate(mintRoot(KEY), { kind: 'services', patterns: ['web'] });
  assert.ok(Object.isFrozen(t) && Object.isFrozen(t.caveats) && Object.isFrozen(t.caveats[0]));
  const sig = Buffer.from(t.sig);
  const child = attenuate(t, { kind: 'actions', actions: [] });
  assert.deepEqual(t.sig, sig, 'attenuating leaves the parent alone');
  assert.equal(child.caveats.length, 2);
});
