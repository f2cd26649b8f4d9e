import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { attenuate, decode, encode, mintRoot, MAX_CAVEATS, parseCaveat, type Token } from '../../src/caps/index.js';
import { chain, KEY } from './arb.js';

const ID = '0123456789abcdef0123456789abcdef';
const SIG = Buffer.alloc(32, 7).toString('base64url');
const b64 = (s: string): string => Buffer.from(s).toString('base64url');
const text = (payload: string, sig = SIG): string => `kelpie-cap-v1.${b64(payload)}.${sig}`;
const reason = (t: unknown): string => {
  const r = decode(t);
  assert.ok(!r.ok, 'expected a refusal');
  return r.reason;
};

test('decode: refusals name what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /must be text/],
    ['', /empty/],
    ['  \n', /empty/],
    ['x'.repeat(20000), /too long/],
    ['Bearer abc', /not a kelpie capability/],
    ['kelpie-cap-v2.e30.AAAA', /unsupported capability version 'kelpie-cap-v2'/],
    ['kelpie-cap-v1.abc', /expected 3 parts.*found 2/],
    ['kelpie-cap-v1.a.b.c', /found 4/],
    [`kelpie-cap-v1.a+b.${SIG}`, /payload is not base64url/],
    [`kelpie-cap-v1.${b64('{}')}=.${SIG}`, /payload is not base64url/],
    [text('{}', 'A'.repeat(43) + '='), /signature is not base64url/],
    [text('{}', Buffer.alloc(16).toString('base64url')), /signature has 16 bytes/],
    [text('not json'), /not JSON/],
    [text('[1]'), /not an object/],
    [text('{"caveats":[]}'), /id must be 32 lowercase hex/],
    [text(`{"id":"${ID.toUpperCase()}","caveats":[]}`), /id must be/],
    [text(`{"id":"${ID}"}`), /caveats must be a list/],
    [text(`{"id":"${ID}","caveats":[{"kind":"colour"}]}`), /caveat 1: unknown kind 'colour'/],
    [text(`{"id":"${ID}","caveats":[{"kind":"actions","actions":["status","fly"]}]}`), /caveat 1: actions\[1\] 'fly' is not an action/],
    [text(`{"id":"${ID}","caveats":[{"kind":"expires","at":-1}]}`), /at must be a whole number/],
    [text(`{"id":"${ID}","caveats":[{"kind":"expires","at":"soon"}]}`), /at must be a whole number/],
    [text(`{"id":"${ID}","caveats":[{"kind":"node","fingerprint":""}]}`), /fingerprint must be/],
    [text(`{"id":"${ID}","caveats":[{"kind":"services","patterns":["web db"]}]}`), /patterns\[0\]/],
    [text(`{"id":"${ID}","caveats":[{"kind":"services","patterns":"web"}]}`), /patterns must be a list/],
    [text(`{"id":"${ID}","caveats":[{"kind":"node","fingerprint":"x","extra":1}]}`), /unexpected field 'extra'/],
    [text(`{"id":"${ID}","caveats":${JSON.stringify(Array(MAX_CAVEATS + 1).fill({ kind: 'expires', at: 1 }))}}`), /65 caveats/],
    [text(`{ "id":"${ID}","caveats":[]}`), /not in canonical form/],
    [text(`{"caveats":[],"id":"${ID}"}`), /not in canonical form/],
    [text(`{"id":"${ID}","caveats":[],"admin":true}`), /not in canonical form/],
    [text(`{"id":"${ID}","caveats":[{"at":1,"kind":"expires"}]}`), /not in canonical form/],
  ];
  for (const [input, re] of cases) assert.match(reason(input), re, String(input).slice(0, 80));
});

test('decode: a well-formed token decodes, with surrounding whitespace (a file ends with a newline)', () => {
  const t = attenuate(mintRoot(KEY), { kind: 'services', patterns: ['web-*'] });
  const r = decode(`${encode(t)}\n`);
  assert.ok(r.ok);
  assert.deepEqual(r.token, t);
  assert.match(encode(t), /^kelpie-cap-v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
});

test('decode never throws, and a refusal never quotes the token, its payload or its signature', () => {
  const tokenText = fc.tuple(chain, fc.nat(), fc.string({ maxLength: 3 })).map(([cs, at, junk]) => {
    const t = encode(cs.reduce(attenuate, mintRoot(KEY)));
    const i = at % t.length;
    return t.slice(0, i) + junk + t.slice(i + 1);
  });
  fc.assert(fc.property(fc.oneof(tokenText, fc.string()), (input) => {
    const r = decode(input);
    if (r.ok) return;
    const secret = input.replace(/^kelpie-cap-v1\.?/, '');
    for (let i = 0; i + 16 <= secret.length; i++) assert.ok(!r.reason.includes(secret.slice(i, i + 16)), r.reason);
  }), { numRuns: 3000 });
});

test('parseCaveat quotes only short plain values', () => {
  const long = parseCaveat({ kind: 'actions', actions: ['x'.repeat(60)] });
  assert.ok(!long.ok && long.reason.includes('(string)') && !long.reason.includes('xxxx'));
  const odd = parseCaveat({ kind: 'actions', actions: ['a"b'] });
  assert.ok(!odd.ok && !odd.reason.includes('a"b'));
  assert.ok(!parseCaveat(null).ok && !parseCaveat([]).ok);
  const round: Token = attenuate(mintRoot(KEY), { kind: 'node', fingerprint: 'sha256:AbC/+=' });
  assert.ok(decode(encode(round)).ok);
});
