// A token cannot be changed without the root key: every altered character, signature byte or
// payload byte, every removed or reordered caveat, makes decode or verify refuse it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { attenuate, canonicalCaveat, decode, encode, mintRoot, verify, type Caveat, type Token } from '../../src/caps/index.js';
import { chain, KEY } from './arb.js';

const build = (cs: readonly Caveat[]): Token => cs.reduce(attenuate, mintRoot(KEY));
const anyCtx = { now: 0, nodeFingerprint: 'node-1', revoked: new Set<string>() };
// Only the signature is checked here: caveats about time and place may refuse a genuine token too.
const genuine = (t: Token): boolean => {
  const r = verify(KEY, t, anyCtx);
  return r.ok || !r.reason.includes('signature');
};
const refused = (text: string): boolean => {
  const d = decode(text);
  return !d.ok || !genuine(d.token);
};

test('untampered tokens pass the signature check and survive encode → decode unchanged', () => {
  fc.assert(fc.property(chain, (cs) => {
    const t = build(cs);
    assert.ok(genuine(t));
    const d = decode(encode(t));
    assert.ok(d.ok);
    assert.deepEqual(d.token, t);
    assert.equal(encode(d.token), encode(t));
  }));
});

test('changing any one character of the text is refused', () => {
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
  fc.assert(fc.property(chain, fc.nat(), fc.constantFrom(...B64), (cs, at, c) => {
    const text = encode(build(cs));
    const i = at % text.length;
    fc.pre(text[i] !== c);
    assert.ok(refused(text.slice(0, i) + c + text.slice(i + 1)));
  }), { numRuns: 3000 });
});

test('changing any byte of the decoded payload or signature is refused', () => {
  fc.assert(fc.property(chain, fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), (cs, inSig, at, delta) => {
    const [prefix, p, s] = encode(build(cs)).split('.') as [string, string, string];
    const bytes = Buffer.from(inSig ? s : p, 'base64url');
    const i = at % bytes.length;
    bytes[i] = (bytes[i]! + delta) % 256;
    const b = bytes.toString('base64url');
    assert.ok(refused(inSig ? `${prefix}.${p}.${b}` : `${prefix}.${b}.${s}`));
  }), { numRuns: 3000 });
});

test('removing a caveat, or reordering two, is refused', () => {
  fc.assert(fc.property(chain.filter((cs) => cs.length > 0), fc.nat(), fc.nat(), (cs, a, b) => {
    const t = build(cs);
    const i = a % cs.length;
    assert.ok(!genuine({ ...t, caveats: cs.filter((_, k) => k !== i) }), 'removed');
    const j = b % cs.length;
    fc.pre(canonicalCaveat(cs[i]!) !== canonicalCaveat(cs[j]!));
    const swapped = [...cs];
    [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
    assert.ok(!genuine({ ...t, caveats: swapped }), 'reordered');
  }), { numRuns: 2000 });
});

test('a token from another key, or with another id, is refused', () => {
  fc.assert(fc.property(chain, (cs) => {
    const t = build(cs);
    assert.ok(!verify(randomBytes(32), t, anyCtx).ok);
    assert.ok(!genuine({ ...t, id: mintRoot(KEY).id }));
  }));
});

test('the parent signature cannot be recovered: a child with a caveat dropped does not verify', () => {
  const parent = mintRoot(KEY);
  const child = attenuate(parent, { kind: 'actions', actions: ['status'] });
  const forged: Token = { id: child.id, caveats: [], sig: child.sig };
  const r = verify(KEY, forged, anyCtx);
  assert.ok(!r.ok);
  assert.match(r.reason, /signature does not match/);
});
