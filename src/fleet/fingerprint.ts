// A node's identity: the SHA-256 of its public key (SubjectPublicKeyInfo, DER), written in
// lowercase base32 without padding (52 characters, safe in URLs and host-like places).
import { createHash, type KeyObject } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, no padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** The shape of a fingerprint. */
export const FINGERPRINT_RE = /^[a-z2-7]{52}$/;

/** The fingerprint of a public key. */
export function fingerprintOf(key: KeyObject): string {
  return base32(createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest());
}
