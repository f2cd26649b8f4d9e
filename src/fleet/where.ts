// How a node's address is written in messages. Its own module, free of TLS and crypto, so the
// local CLI client can name a remote without loading either.
import type { CapUrl } from './url.js';

/** Where a URL points, for messages. */
export function whereOf(u: Pick<CapUrl, 'host' | 'port'>): string {
  return `${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}`;
}
