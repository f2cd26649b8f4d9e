// A TLS 1.3 connection to a node, pinned to its fingerprint. No CA is consulted: the server's
// certificate is self-signed, and what counts is that the key in it has the fingerprint the
// capability URL names. The check runs before a single byte of the request (and so the
// capability) is sent; a different key is refused with KELPIE_E_IDENTITY.
import { connect, type TLSSocket } from 'node:tls';
import { KelpieError } from '../protocol/errors.js';
import { fingerprintOf } from './fingerprint.js';
import type { CapUrl } from './url.js';
import { whereOf } from './where.js';

export { whereOf };

const HANDSHAKE_MS = 10_000;

/** Connects and checks the peer's key; resolves with a socket ready for HTTP. */
export function connectPinned(u: Pick<CapUrl, 'host' | 'port' | 'fingerprint'>, signal?: AbortSignal): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const where = whereOf(u);
    const sock = connect({
      host: u.host,
      port: u.port,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      // The chain is not checked against CAs (there are none); the pin below is the check.
      rejectUnauthorized: false,
      ...(/^[0-9.]+$|:/.test(u.host) ? {} : { servername: u.host }),
    });
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => fail(new KelpieError('KELPIE_E_UNREACHABLE', `cannot reach kelpie node at ${where}: no TLS handshake within ${HANDSHAKE_MS / 1000} s`)), HANDSHAKE_MS);
    sock.once('secureConnect', () => {
      if (settled) return;
      const cert = sock.getPeerX509Certificate();
      const seen = cert ? fingerprintOf(cert.publicKey) : null;
      if (seen !== u.fingerprint) {
        fail(new KelpieError(
          'KELPIE_E_IDENTITY',
          `the node at ${where} is not the one the capability URL names: its key's fingerprint is ${seen ?? '(none)'}, expected ${u.fingerprint}; nothing was sent`,
          'someone may be intercepting the connection, or the node got a new key (HOME/node.key); ask its owner for a new URL',
        ));
        return;
      }
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.setNoDelay(true);
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code ?? err.message;
      fail(new KelpieError('KELPIE_E_UNREACHABLE', `cannot reach kelpie node at ${where}: ${why}`, err.code === 'ECONNREFUSED' ? 'is kelpie running there with [api] listen set?' : undefined));
    });
    sock.once('close', () => fail(new KelpieError('KELPIE_E_UNREACHABLE', `cannot reach kelpie node at ${where}: the connection closed during the TLS handshake`)));
  });
}
