// The CLI's HTTP client for the local socket (src/client/unix-http.ts), against a real
// node:http server on a Unix socket: every way the server frames a body, request bodies,
// and every way a reply can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unixRequest } from '../../src/client/unix-http.js';
import { tempDir } from '../os/helpers.js';

async function serve(t: Parameters<typeof tempDir>[0], handler: RequestListener): Promise<string> {
  const path = join(tempDir(t), 'api.sock');
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(path, r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return path;
}

test('a reply with Content-Length, chunked or until close: the same bytes, status and headers', async (t) => {
  const text = JSON.stringify({ ok: true, result: { name: 'süß ✓', n: 1 } });
  const sock = await serve(t, (req, res) => {
    if (req.url === '/length') {
      res.setHeader('content-type', 'application/json');
      res.end(text);
    } else if (req.url === '/chunked') {
      res.statusCode = 404;
      for (let i = 0; i < text.length; i += 7) res.write(text.slice(i, i + 7));
      res.end();
    } else {
      // no length, no chunking: HTTP/1.0-style, the body ends with the connection
      res.socket!.end(`HTTP/1.1 200 OK\r\nX-Kind: close\r\n\r\n${text}`);
    }
  });
  for (const [path, status] of [['/length', 200], ['/chunked', 404], ['/close', 200]] as const) {
    const r = await unixRequest(sock, 'GET', path, { authorization: 'Bearer x' });
    assert.equal(r.status, status, path);
    assert.equal(r.body.toString('utf8'), text, path);
  }
  assert.equal((await unixRequest(sock, 'GET', '/length', {})).headers.get('content-type'), 'application/json');
  assert.equal((await unixRequest(sock, 'GET', '/close', {})).headers.get('x-kind'), 'close');
});

test('long replies arrive whole, in each framing; request bodies and headers arrive as sent', async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'abcdefghij');
  const seen: Array<{ method: string; url: string; auth: string | undefined; body: string }> = [];
  const sock = await serve(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/big-chunked') {
        for (let i = 0; i < big.length; i += 65536) res.write(big.subarray(i, i + 65536));
        res.end();
      } else res.end(big);
    });
  });
  for (const path of ['/big', '/big-chunked']) {
    const r = await unixRequest(sock, 'GET', path, {});
    assert.equal(r.body.length, big.length, path);
    assert.ok(r.body.equals(big), path);
  }
  const body = JSON.stringify({ services: ['ä', 'b'], wait: true });
  await unixRequest(sock, 'POST', '/v1/stop?x=1', { authorization: 'Bearer kelpie-cap-v1.abc', 'content-type': 'application/json' }, body);
  assert.deepEqual(seen.at(-1), { method: 'POST', url: '/v1/stop?x=1', auth: 'Bearer kelpie-cap-v1.abc', body });
});

test('failures: no socket, nobody listening, a reply cut short, not HTTP, a header with a line break', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(unixRequest(join(dir, 'none.sock'), 'GET', '/', {}), { code: 'ENOENT' });

  // A socket file nobody listens on (a killed server leaves it behind): a plain file there
  // stands in for it, and connect() is refused the same way.
  const stale = join(dir, 'stale.sock');
  writeFileSync(stale, '');
  await assert.rejects(unixRequest(stale, 'GET', '/', {}), { code: 'ECONNREFUSED' });

  const raw = async (reply: string): Promise<string> => {
    const path = join(dir, `raw-${Math.random().toString(36).slice(2)}.sock`);
    const s = createNetServer((c) => {
      c.once('data', () => c.end(reply));
    });
    await new Promise<void>((r) => s.listen(path, r));
    t.after(() => new Promise<void>((r) => s.close(() => r())));
    return path;
  };
  await assert.rejects(unixRequest(await raw('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"ok":'), 'GET', '/', {}), { code: 'ECONNRESET' });
  await assert.rejects(unixRequest(await raw('HTTP/1.1 200 OK\r\nContent-Le'), 'GET', '/', {}), { code: 'ECONNRESET' });
  await assert.rejects(unixRequest(await raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'), 'GET', '/', {}), { code: 'ECONNRESET' });
  await assert.rejects(unixRequest(await raw('SSH-2.0-OpenSSH\r\n\r\n'), 'GET', '/', {}), { code: 'EPROTO' });
  await assert.rejects(unixRequest(await raw(''), 'GET', '/', {}), { code: 'ECONNRESET' });
  await assert.rejects(unixRequest(await raw('HTTP/1.1 200 OK\r\n\r\n'), 'GET', '/', { authorization: 'Bearer x\r\nX-Evil: 1' }), { code: 'ERR_INVALID_CHAR' });
});
