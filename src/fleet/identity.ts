// The node's key pair: Ed25519, generated on first start, kept in HOME/node.key (0600, PKCS#8
// PEM). The fingerprint of its public key is the node's identity; the TLS certificate is made
// from it at each start and means nothing beyond the key it carries.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { CapStoreError, readPrivate, writeAtomic } from '../caps/store-fs.js';
import { certPem, selfSignedCert } from './der.js';
import { fingerprintOf } from './fingerprint.js';

/** What a node needs to serve TLS and to be named. */
export interface NodeIdentity {
  readonly fingerprint: string;
  readonly keyPem: string;
  readonly certPem: string;
}

export const NODE_KEY_FILE = 'node.key';

/** Loads HOME/node.key, creating it on first use; a key open to others is refused (like ssh). */
export function loadIdentity(home: string): NodeIdentity {
  const path = join(home, NODE_KEY_FILE);
  let pem = readPrivate(path);
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeAtomic(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), false); // two creators agree on one
    pem = readPrivate(path) ?? '';
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new CapStoreError(path, 'not a private key (expected an Ed25519 PKCS#8 PEM); move it away and kelpie makes a new one, which changes this node\'s identity');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new CapStoreError(path, `holds a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  const pub = createPublicKey(key);
  const fingerprint = fingerprintOf(pub);
  const der = selfSignedCert(pub, key, `kelpie ${fingerprint.slice(0, 16)}`, randomBytes(16), new Date(Date.now() - 3600_000));
  return { fingerprint, keyPem: pem, certPem: certPem(der) };
}
