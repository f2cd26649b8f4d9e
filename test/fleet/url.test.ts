// Capability URLs: what parses, what is refused (and that a refusal never quotes the capability).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCapUrl, parseCapUrl, parseListen } from '../../src/fleet/url.js';

const FP = 'hl2yazvzvsdeyokeix46w2hjql3jkkblargcxgsmel4e2gyzi4vq';
const TOKEN = 'kelpie-cap-v1.eyJpZCI6IjAwIn0.c2lnbmF0dXJl';

test('a capability URL parses into fingerprint, host, port and token', () => {
  const r = parseCapUrl(`kelpie://${FP}@node-a.example:7443/${TOKEN}`);
  assert.deepEqual(r, { ok: true, url: { fingerprint: FP, host: 'node-a.example', port: 7443, token: TOKEN } });
  const v6 = parseCapUrl(`kelpie://${FP}@[::1]:7443/${TOKEN}\n`);
  assert.ok(v6.ok);
  assert.equal(v6.url.host, '::1');
  assert.equal(formatCapUrl(v6.url), `kelpie://${FP}@[::1]:7443/${TOKEN}`);
});

test('malformed URLs are refused with a reason that never contains the capability', () => {
  const bad: Array<[string, RegExp]> = [
    [`https://${FP}@h:1/${TOKEN}`, /starts with kelpie:\/\//],
    [`kelpie://h:1/${TOKEN}`, /fingerprint is missing/],
    [`kelpie://${FP.slice(1)}@h:1/${TOKEN}`, /52 base32/],
    [`kelpie://${FP.toUpperCase()}@h:1/${TOKEN}`, /52 base32/],
    [`kelpie://${FP}@h/${TOKEN}`, /port is missing/],
    [`kelpie://${FP}@h:0/${TOKEN}`, /invalid port/],
    [`kelpie://${FP}@h:65536/${TOKEN}`, /invalid port/],
    [`kelpie://${FP}@h:x/${TOKEN}`, /invalid port/],
    [`kelpie://${FP}@bad_host!:1/${TOKEN}`, /invalid host/],
    [`kelpie://${FP}@h:1`, /capability is missing/],
    [`kelpie://${FP}@h:1/not-a-token`, /not a kelpie capability/],
    [`kelpie://${FP}@h:1/${TOKEN}/extra`, /not a kelpie capability/],
  ];
  for (const [text, re] of bad) {
    const r = parseCapUrl(text);
    assert.equal(r.ok, false, text);
    if (r.ok) continue;
    assert.match(r.reason, re, text);
    assert.ok(!r.reason.includes('eyJ'), `reason quotes the capability: ${r.reason}`);
  }
});

test('format and parse are inverse for any host, port and token', () => {
  const host = fc.oneof(
    fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?$/),
    fc.ipV4(),
    fc.constantFrom('::1', 'fe80::1', '2001:db8::7'),
  );
  const b64 = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
  fc.assert(fc.property(host, fc.integer({ min: 1, max: 65535 }), b64, b64, (h, port, a, b) => {
    const u = { fingerprint: FP, host: h, port, token: `kelpie-cap-v1.${a}.${b}` };
    const r = parseCapUrl(formatCapUrl(u));
    assert.ok(r.ok);
    assert.deepEqual(r.url, u);
  }));
});

test('[api] listen addresses: host:port, port 0 allowed, anything else refused', () => {
  assert.deepEqual(parseListen('0.0.0.0:7443'), { ok: true, host: '0.0.0.0', port: 7443 });
  assert.deepEqual(parseListen('[::]:0'), { ok: true, host: '::', port: 0 });
  for (const bad of ['7443', 'host:', ':7443', 'h:70000', 'h:-1', 'a b:1']) assert.equal(parseListen(bad).ok, false, bad);
});
