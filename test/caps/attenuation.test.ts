// The central promise: no token ever allows more than the token it was derived from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { attenuate, grantFrom, mintRoot, verify, type Caveat, type Token } from '../../src/caps/index.js';
import { caveat, chain, context, holds, KEY, queries } from './arb.js';

const build = (cs: readonly Caveat[], from: Token = mintRoot(KEY)): Token => cs.reduce(attenuate, from);
const none = new Set<string>();

test('an attenuated token never allows anything its parent denies', () => {
  fc.assert(
    fc.property(chain, fc.array(caveat, { minLength: 1, maxLength: 4 }), context, queries, (parentCaveats, extra, ctx, qs) => {
      const parent = build(parentCaveats);
      const child = build(extra, parent);
      const c = verify(KEY, child, { ...ctx, revoked: none });
      const p = verify(KEY, parent, { ...ctx, revoked: none });
      if (!c.ok) return true;
      assert.ok(p.ok, 'a child verifies only where its parent does');
      for (const q of qs) if (c.perms.allows(q.action, q.service)) assert.ok(p.perms.allows(q.action, q.service), `${q.action} ${q.service}`);
      return true;
    }),
    { numRuns: 2000 },
  );
});

test('the permission is exactly the intersection of the caveats (checked against a model)', () => {
  fc.assert(
    fc.property(chain, context, queries, (cs, ctx, qs) => {
      const r = verify(KEY, build(cs), { ...ctx, revoked: none });
      const timeAndPlace = cs.every((c) => (c.kind !== 'expires' && c.kind !== 'node') || holds(c, 'status', undefined, ctx));
      assert.equal(r.ok, timeAndPlace);
      if (!r.ok) return;
      for (const q of qs) assert.equal(r.perms.allows(q.action, q.service), cs.every((c) => holds(c, q.action, q.service, ctx)), `${q.action} ${q.service}`);
    }),
    { numRuns: 2000 },
  );
});

test('a token without caveats allows everything, and refusal is undefined exactly when allowed', () => {
  fc.assert(
    fc.property(chain, context, queries, (cs, ctx, qs) => {
      const root = verify(KEY, mintRoot(KEY), { ...ctx, revoked: none });
      assert.ok(root.ok);
      const r = verify(KEY, build(cs), { ...ctx, revoked: none });
      for (const q of qs) {
        assert.ok(root.perms.allows(q.action, q.service));
        if (r.ok) assert.equal(r.perms.refusal(q.action, q.service) === undefined, r.perms.allows(q.action, q.service));
      }
    }),
  );
});

test('a daemon grant (fresh id) never allows more than the token that asked for it', () => {
  fc.assert(
    fc.property(chain, chain, context, queries, (parentCaveats, extra, ctx, qs) => {
      const parent = build(parentCaveats);
      const grant = grantFrom(KEY, parent, extra);
      assert.notEqual(grant.id, parent.id);
      const g = verify(KEY, grant, { ...ctx, revoked: none });
      const p = verify(KEY, parent, { ...ctx, revoked: none });
      if (!g.ok) return;
      assert.ok(p.ok);
      for (const q of qs) if (g.perms.allows(q.action, q.service)) assert.ok(p.perms.allows(q.action, q.service));
    }),
  );
});

test('daemon-wide actions under a services caveat: only the filtered reads', () => {
  const t = attenuate(attenuate(mintRoot(KEY), { kind: 'services', patterns: ['web-*'] }), { kind: 'actions', actions: ['status', 'logs', 'restart', 'reload'] });
  const r = verify(KEY, t, { now: 0, nodeFingerprint: 'n', revoked: none });
  assert.ok(r.ok);
  assert.ok(r.perms.allows('restart', 'web-1'));
  assert.ok(r.perms.allows('status') && r.perms.allows('logs'), 'filtered daemon-wide reads');
  assert.ok(!r.perms.allows('reload'), 'reload concerns every service');
  assert.ok(r.perms.allowsService('web-2') && !r.perms.allowsService('db'));
  assert.equal(r.perms.refusal('stop', 'db'), "this capability does not allow 'stop' on 'db'");
  assert.equal(r.perms.refusal('restart', 'db'), "this capability does not allow 'restart' on 'db'");
  assert.match(r.perms.refusal('reload') ?? '', /limited to some services/);
  const unlimited = verify(KEY, attenuate(mintRoot(KEY), { kind: 'actions', actions: ['reload'] }), { now: 0, nodeFingerprint: 'n', revoked: none });
  assert.ok(unlimited.ok && unlimited.perms.allows('reload') && unlimited.perms.allServices);
});

test('attenuate and mintRoot refuse malformed input', () => {
  assert.throws(() => attenuate(mintRoot(KEY), { kind: 'actions', actions: ['fly'] } as unknown as Caveat), TypeError);
  assert.throws(() => attenuate(mintRoot(KEY), { kind: 'expires', at: 1.5 }), TypeError);
  assert.throws(() => attenuate(mintRoot(KEY), { kind: 'services', patterns: ['a b'] }), TypeError);
  assert.throws(() => mintRoot(Buffer.alloc(16)), RangeError);
  assert.throws(() => mintRoot(KEY, 'not-hex'), TypeError);
});
