// The API client (src/client/client.ts) against a real node:http server on a Unix socket
// standing in for a daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '../../src/client/client.js';
import { tempDir } from '../os/helpers.js';

const TOKEN = 'kelpie-cap-v1.test-token';
const refused = JSON.stringify({ ok: false, error: { code: 'KELPIE_E_UNAUTHORIZED', message: 'not permitted: the request carries no capability' } });

/** A home whose kelpie.sock is served by `handler`; `seen` gets each request's Authorization. */
async function daemon(t: Parameters<typeof tempDir>[0], handler: (auth: string | undefined, home: string) => boolean): Promise<{ home: string; seen: Array<string | undefined> }> {
  const home = join(tempDir(t), '.kelpie');
  mkdirSync(home);
  const seen: Array<string | undefined> = [];
  const listener: RequestListener = (req, res) => {
    seen.push(req.headers.authorization);
    const ok = handler(req.headers.authorization, home);
    res.statusCode = ok ? 200 : 401;
    res.end(ok ? JSON.stringify({ ok: true, result: { fine: true } }) : refused);
  };
  const server = createServer(listener);
  await new Promise<void>((r) => server.listen(join(home, 'kelpie.sock'), r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { home, seen };
}

test("root.cap written by a starting daemon after the client looked: asked again with it, once", async (t) => {
  // The daemon writes root.cap just before it listens; a client that read the home before
  // that (and was then descheduled) sends its first request without a capability.
  const d = await daemon(t, (auth, home) => {
    if (auth) return auth === `Bearer ${TOKEN}`;
    writeFileSync(join(home, 'root.cap'), `${TOKEN}\n`, { mode: 0o600 });
    return false;
  });
  const c = new Client(d.home);
  assert.deepEqual(await c.call('GET', '/v1/status'), { fine: true });
  assert.deepEqual(d.seen, [undefined, `Bearer ${TOKEN}`]);
});

test('a refusal stands when there is still no root.cap, or the capability was given', async (t) => {
  const d = await daemon(t, () => false);
  await assert.rejects(new Client(d.home).call('GET', '/v1/status'), { code: 'KELPIE_E_UNAUTHORIZED' });
  assert.deepEqual(d.seen, [undefined], 'asked once');
  // Given explicitly, a refused capability is not swapped for the owner's.
  writeFileSync(join(d.home, 'root.cap'), `${TOKEN}\n`, { mode: 0o600 });
  d.seen.length = 0;
  await assert.rejects(new Client(d.home, { cap: 'kelpie-cap-v1.other' }).call('GET', '/v1/status'), { code: 'KELPIE_E_UNAUTHORIZED' });
  assert.deepEqual(d.seen, ['Bearer kelpie-cap-v1.other']);
  // The owner's, refused (say revoked): not asked again either.
  d.seen.length = 0;
  await assert.rejects(new Client(d.home).call('GET', '/v1/status'), { code: 'KELPIE_E_UNAUTHORIZED' });
  assert.deepEqual(d.seen, [`Bearer ${TOKEN}`]);
});
