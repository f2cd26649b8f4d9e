// The node key, its fingerprint, and the DER certificate built around it: checked against
// Node's own X.509 parser and by a real TLS 1.3 handshake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { base32, fingerprintOf, FINGERPRINT_RE } from '../../src/fleet/fingerprint.js';
import { integer, oid, selfSignedCert, time, tlv } from '../../src/fleet/der.js';
import { loadIdentity } from '../../src/fleet/identity.js';
import { connectPinned } from '../../src/fleet/pinned.js';
import { KelpieError } from '../../src/protocol/errors.js';

test('base32 matches RFC 4648 test vectors (lowercase, no padding)', () => {
  const vectors: Array<[string, string]> = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']];
  for (const [plain, enc] of vectors) assert.equal(base32(Buffer.from(plain)), enc);
});

test('a fingerprint is base32 of the SHA-256 of the SPKI DER', () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  const fp = fingerprintOf(publicKey);
  assert.match(fp, FINGERPRINT_RE);
  assert.equal(fp, base32(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest()));
  assert.notEqual(fp, fingerprintOf(generateKeyPairSync('ed25519').publicKey));
});

test('DER primitives encode lengths, integers, OIDs and times as X.690 says', () => {
  assert.deepEqual(tlv(0x04, Buffer.alloc(3)), Buffer.from([0x04, 3, 0, 0, 0]));
  assert.deepEqual(tlv(0x04, Buffer.alloc(200)).subarray(0, 3), Buffer.from([0x04, 0x81, 200]));
  assert.deepEqual(tlv(0x04, Buffer.alloc(300)).subarray(0, 4), Buffer.from([0x04, 0x82, 0x01, 0x2c]));
  assert.deepEqual(integer(Buffer.from([0x80])), Buffer.from([0x02, 2, 0x00, 0x80]));
  assert.deepEqual(integer(Buffer.from([0, 0, 5])), Buffer.from([0x02, 1, 5]));
  assert.deepEqual(oid('1.3.101.112'), Buffer.from([0x06, 3, 0x2b, 0x65, 0x70]));
  assert.deepEqual(oid('2.5.4.3'), Buffer.from([0x06, 3, 0x55, 0x04, 0x03]));
  assert.deepEqual(oid('1.2.840.113549'), Buffer.from([0x06, 6, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]));
  assert.equal(time(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))).toString('latin1').slice(2), '260102030405Z');
  assert.equal(time(new Date(Date.UTC(2051, 0, 2, 3, 4, 5))).toString('latin1').slice(2), '20510102030405Z');
});

test('the self-signed certificate parses, carries the key, and verifies with it', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = selfSignedCert(publicKey, privateKey, 'kelpie test', Buffer.from([0x91, 2, 3]), new Date(Date.UTC(2026, 0, 1)));
  const cert = new X509Certificate(der);
  assert.equal(cert.subject, 'CN=kelpie test');
  assert.equal(cert.issuer, 'CN=kelpie test');
  assert.equal(cert.serialNumber.toUpperCase().replace(/^0+/, ''), '910203');
  assert.ok(cert.verify(publicKey), 'signed by its own key');
  assert.ok(cert.checkIssued(cert));
  assert.equal(fingerprintOf(cert.publicKey), fingerprintOf(publicKey));
  assert.equal(cert.validFrom, 'Jan  1 00:00:00 2026 GMT');
  assert.equal(cert.validTo, 'Dec 31 23:59:59 9999 GMT');
  const other = generateKeyPairSync('ed25519').publicKey;
  assert.equal(cert.verify(other), false);
});

test('node.key is made once (0600), reused, and refused when others can read it', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kelpie-id-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const a = loadIdentity(home);
  assert.equal(statSync(join(home, 'node.key')).mode & 0o777, 0o600);
  const b = loadIdentity(home);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.equal(fingerprintOf(createPublicKey(a.keyPem)), a.fingerprint);
  chmodSync(join(home, 'node.key'), 0o644);
  assert.throws(() => loadIdentity(home), /node\.key: open to other users/);
  chmodSync(join(home, 'node.key'), 0o600);
  writeFileSync(join(home, 'node.key'), 'garbage\n');
  assert.throws(() => loadIdentity(home), /not a private key/);
});

test('a pinned TLS 1.3 connection accepts the right key and refuses any other before sending', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kelpie-id-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const id = loadIdentity(home);
  let requests = 0;
  const server = createServer({ key: id.keyPem, cert: id.certPem, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }, (_req, res) => {
    requests++;
    res.end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const ok = await connectPinned({ host: '127.0.0.1', port, fingerprint: id.fingerprint });
  assert.equal(ok.getProtocol(), 'TLSv1.3');
  ok.destroy();
  const wrong = fingerprintOf(generateKeyPairSync('ed25519').publicKey);
  await assert.rejects(connectPinned({ host: '127.0.0.1', port, fingerprint: wrong }), (e: unknown) => {
    assert.ok(e instanceof KelpieError);
    assert.equal(e.code, 'KELPIE_E_IDENTITY');
    assert.match(e.message, new RegExp(`fingerprint is ${id.fingerprint}, expected ${wrong}; nothing was sent`));
    return true;
  });
  assert.equal(requests, 0);
});
