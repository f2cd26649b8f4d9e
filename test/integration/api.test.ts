// Bad API requests get clear errors and change nothing; the daemon stays up for everyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Project, fixture } from '../helpers/project.js';

function raw(socketPath: string, method: string, path: string, body?: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const cap = readFileSync(join(dirname(socketPath), 'root.cap'), 'utf8').trim();
    const req = request({ socketPath, method, path, headers: { 'content-type': 'application/json', authorization: `Bearer ${cap}` } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('malformed requests are refused with a code and a reason, and nothing changes', async () => {
  const p = new Project(`[services.a]\ncommand = ${fixture('forever')}\n`);
  try {
    await p.up();
    const before = await p.status();
    const sock = p.client.socket;
    const cases: Array<[string, string, string | undefined, number, string]> = [
      ['GET', '/nope', undefined, 404, 'KELPIE_E_NOT_FOUND'],
      ['GET', '/v1/services/ghost', undefined, 404, 'KELPIE_E_UNKNOWN_SERVICE'],
      ['POST', '/v1/stop', '{not json', 400, 'KELPIE_E_BAD_REQUEST'],
      ['POST', '/v1/stop', '[1,2]', 400, 'KELPIE_E_BAD_REQUEST'],
      ['POST', '/v1/stop', '{"services": 5}', 400, 'KELPIE_E_BAD_REQUEST'],
      ['POST', '/v1/stop', '{"services": ["a", "ghost"]}', 404, 'KELPIE_E_UNKNOWN_SERVICE'],
      ['POST', '/v1/signal', '{"service": "a"}', 400, 'KELPIE_E_BAD_REQUEST'],
      ['GET', '/v1/logs?n=-3', undefined, 400, 'KELPIE_E_BAD_REQUEST'],
      ['POST', '/v1/start', 'x'.repeat(2 * 1024 * 1024), 400, 'KELPIE_E_BAD_REQUEST'],
    ];
    for (const [m, path, body, status, code] of cases) {
      const r = await raw(sock, m, path, body).catch((e: Error) => ({ status: 400, json: { ok: false, error: { code: 'KELPIE_E_BAD_REQUEST', message: e.message } } }));
      assert.equal(r.status, status, `${m} ${path}`);
      assert.equal(r.json.ok, false);
      assert.equal(r.json.error.code, code, `${m} ${path}`);
      assert.ok(r.json.error.message.length > 0);
    }
    // A client that connects and sends half a request, then stalls, blocks nobody.
    const stuck = connect(sock);
    stuck.on('error', () => {});
    stuck.write('GET /v1/status HTTP/1.1\r\nHost: x\r\n');
    const garbage = connect(sock);
    garbage.on('error', () => {});
    garbage.end('\x00\x01\x02 not http at all\r\n\r\n');
    const after = await p.status();
    assert.equal(after.daemon.controller_pid, before.daemon.controller_pid);
    assert.equal(after.services[0]!.pid, before.services[0]!.pid);
    assert.equal(after.services[0]!.state, 'running');
    stuck.destroy();
  } finally {
    await p.cleanup();
  }
});
