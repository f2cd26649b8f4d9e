// One HTTP/1.1 request over the API's Unix socket, without node:http.
//
// A CLI query is mostly Node starting up, and loading and running Node's HTTP client added
// about 9 ms to a `kelpie status` of 90 (docs/benchmarks.md). The API's replies are small
// JSON documents from our own server, so the client's side of the exchange is simple: one
// request with `Connection: close`, then a status line, headers and a body delimited by
// Content-Length, chunked encoding or the end of the connection. Event streams and remote
// nodes (TLS) still go through node:http.
import { connect } from 'node:net';

export interface UnixReply {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

/** An error carrying a Node-style `code`, so callers can tell a refused socket from the rest. */
function failure(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * Sends one request to the HTTP server on `socketPath` and resolves with its reply. Socket
 * errors reject with their own code (ENOENT, ECONNREFUSED, …); a reply cut short rejects with
 * ECONNRESET; a reply that is not HTTP/1.x rejects with EPROTO.
 */
export function unixRequest(socketPath: string, method: string, path: string, headers: Readonly<Record<string, string>>, body?: string): Promise<UnixReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? null : Buffer.from(body, 'utf8');
    let head = `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n`;
    for (const [k, v] of Object.entries(headers)) {
      if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) return reject(failure(`header ${k} contains a line break`, 'ERR_INVALID_CHAR'));
      head += `${k}: ${v}\r\n`;
    }
    if (payload) head += `Content-Length: ${payload.length}\r\n`;
    head += '\r\n';

    const chunks: Buffer[] = [];
    let settled = false;
    const done = (err: Error | null, reply?: UnixReply): void => {
      if (settled) return;
      settled = true;
      sock.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    /** The reply if `data` holds all of it; null while more is to come; throws if malformed. */
    const parse = (data: Buffer, ended: boolean): UnixReply | null => {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        if (ended) throw failure('the reply ended inside its headers', 'ECONNRESET');
        return null;
      }
      const lines = data.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
      if (!m) throw failure(`not an HTTP reply: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`, 'EPROTO');
      const status = Number(m[1]);
      const h = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) h.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
      const rest = data.subarray(end + 4);
      if (h.get('transfer-encoding')?.toLowerCase() === 'chunked') {
        const parts: Buffer[] = [];
        let at = 0;
        for (;;) {
          const eol = rest.indexOf('\r\n', at);
          if (eol < 0) break;
          const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
          if (!Number.isFinite(size) || size < 0) throw failure('malformed chunked reply', 'EPROTO');
          if (size === 0) return { status, headers: h, body: Buffer.concat(parts) };
          if (rest.length < eol + 2 + size + 2) break;
          parts.push(rest.subarray(eol + 2, eol + 2 + size));
          at = eol + 2 + size + 2;
        }
        if (ended) throw failure('the reply ended inside its body', 'ECONNRESET');
        return null;
      }
      const length = h.get('content-length');
      if (length !== undefined) {
        const n = Number(length);
        if (!Number.isInteger(n) || n < 0) throw failure(`malformed Content-Length ${length}`, 'EPROTO');
        if (rest.length >= n) return { status, headers: h, body: rest.subarray(0, n) };
        if (ended) throw failure('the reply ended inside its body', 'ECONNRESET');
        return null;
      }
      // Neither: the body is what comes until the server closes.
      return ended ? { status, headers: h, body: rest } : null;
    };
    // Parsed when it may be complete, not at every read (a long reply comes in many reads):
    // the headers are in; the body has its Content-Length; a chunked body's last read ends
    // with the last chunk; or the server closed.
    let received = 0;
    let need: ((last: Buffer) => boolean) | null = null;
    const check = (ended: boolean): void => {
      try {
        const last = chunks[chunks.length - 1];
        if (!ended && need && last && !need(last)) return;
        const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (!need && !ended) {
          const end = data.indexOf('\r\n\r\n');
          if (end < 0) return;
          const headText = data.subarray(0, end).toString('latin1').toLowerCase();
          const length = /\r\ncontent-length:\s*(\d+)/.exec(headText);
          if (length) {
            const total = end + 4 + Number(length[1]);
            need = () => received >= total;
          } else if (/\r\ntransfer-encoding:\s*chunked/.test(headText)) {
            need = (b) => b.subarray(-5).toString('latin1') === '0\r\n\r\n' || b.length < 5;
          } else {
            need = () => false;
          }
          if (!need(data)) return;
        }
        const reply = parse(data, ended);
        if (reply) done(null, reply);
      } catch (err) {
        done(err as Error);
      }
    };

    const sock = connect(socketPath, () => {
      sock.write(payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : head);
    });
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      received += c.length;
      check(false);
    });
    sock.on('end', () => check(true));
    sock.on('error', (err) => done(err));
    sock.on('close', () => done(failure('the connection closed before a reply', 'ECONNRESET')));
  });
}
