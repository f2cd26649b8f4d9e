// /metrics on the dashboard listener (opt-in), and what it reports: states, restarts, exits by
// cause, CPU, memory, log bytes; refusals without a capability, a service-limited one, a
// foreign Host header; off by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { Project, fixture } from '../helpers/project.js';

/** GET with raw headers (fetch would not let us set Host). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function origin(p: Project): Promise<string> {
  const r = await p.kelpie(['dashboard', '--no-open', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return new URL((JSON.parse(r.stdout) as { url: string }).url).origin;
}

test('metrics = true: /metrics is served at start-up to a capability, with conventional names and live values', async () => {
  const p = new Project(`
[dashboard]
metrics = true

[services.web]
command = ${fixture('forever')}
restart = "always"
[services.chatty]
command = ${fixture('chatty', 200, 100, 0, 'idle')}
[services.off]
command = ${fixture('forever')}
autostart = false
`);
  try {
    await p.up();
    await p.untilState('web', 'running');
    assert.match(p.daemonLog(), /dashboard and metrics at http:\/\/127\.0\.0\.1:\d+/);
    const base = await origin(p);
    const root = readFileSync(`${p.home}/root.cap`, 'utf8').trim();
    const auth = { authorization: `Bearer ${root}` };
    assert.equal((await get(`${base}/metrics`)).status, 401, 'no capability, no metrics');
    const first = await get(`${base}/metrics`, auth);
    assert.equal(first.status, 200, first.body);
    assert.equal(first.type, 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(value(first.body, 'kelpie_service_state{service="web",state="running"}'), 1);
    assert.equal(value(first.body, 'kelpie_service_state{service="off",state="stopped"}'), 1);
    assert.ok(value(first.body, 'kelpie_service_memory_bytes{service="web"}')! > 1_000_000, 'a node process uses more than 1 MB');
    assert.ok(value(first.body, 'kelpie_service_cpu_seconds_total{service="web"}')! >= 0);
    assert.equal(value(first.body, 'kelpie_service_memory_bytes{service="off"}'), undefined, 'no process, no memory series');
    assert.ok(value(first.body, 'kelpie_service_ready_seconds{service="web"}')! >= 0);
    assert.equal(value(first.body, 'kelpie_service_log_bytes_total{service="chatty"}'), 0, 'log bytes count from the first look');

    // kill -9: a respawn and an exit by signal; output: log bytes grow.
    const pid = (await p.pid('web'))!;
    process.kill(pid, 'SIGKILL');
    await p.until((s) => s.services.some((x) => x.name === 'web' && x.state === 'running' && x.pid !== pid), 'web respawned');
    await p.client.act('restart', ['chatty']);
    // The second run's last line (the first run's is in the log already).
    for (const end = Date.now() + 15_000; (p.serviceLog('chatty').match(/000200 x/g) ?? []).length < 2; ) {
      assert.ok(Date.now() < end, 'chatty wrote its lines again');
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = (await get(`${base}/metrics`, auth)).body;
    assert.equal(value(second, 'kelpie_service_restarts_total{service="web"}'), 1);
    assert.equal(value(second, 'kelpie_service_exits_total{service="web",cause="signal"}'), 1);
    assert.equal(value(second, 'kelpie_service_exits_total{service="chatty",cause="stopped"}'), 1);
    assert.ok(value(second, 'kelpie_service_log_bytes_total{service="chatty"}')! >= 200 * 100, second);

    // A capability limited to one service sees only it; one without status gets nothing.
    assert.equal((await p.kelpie(['grant', '--services', 'web', '--actions', 'status', '--out', 'web.cap'])).code, 0);
    const limited = await get(`${base}/metrics`, { authorization: `Bearer ${readFileSync(`${p.dir}/web.cap`, 'utf8').trim()}` });
    assert.equal(limited.status, 200);
    assert.match(limited.body, /service="web"/);
    assert.doesNotMatch(limited.body, /service="chatty"/);
    assert.equal((await p.kelpie(['grant', '--actions', 'logs', '--out', 'logs.cap'])).code, 0);
    assert.equal((await get(`${base}/metrics`, { authorization: `Bearer ${readFileSync(`${p.dir}/logs.cap`, 'utf8').trim()}` })).status, 403);
    // Scrapes are audited; a TCP peer has no SO_PEERCRED credentials to record.
    const audit = readFileSync(`${p.home}/audit.log`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { target: string | null; uid: number | null; pid: number | null; outcome: string });
    const scrapes = audit.filter((r) => r.target === 'metrics');
    assert.ok(scrapes.some((r) => r.outcome === 'refused') && scrapes.some((r) => r.outcome === 'allowed'));
    assert.ok(scrapes.every((r) => r.uid === null && r.pid === null), JSON.stringify(scrapes));
    // A page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) is not served.
    assert.equal((await get(`${base}/metrics`, { ...auth, host: `evil.example:${new URL(base).port}` })).status, 421);
  } finally {
    await p.cleanup();
  }
});

test('metrics are off by default: /metrics on the listener is 404, the socket still answers GET /v1/metrics', async () => {
  const p = new Project(`[services.web]\ncommand = ${fixture('forever')}\n`);
  try {
    await p.up();
    await p.untilState('web', 'running');
    assert.doesNotMatch(p.daemonLog(), /dashboard and metrics at/);
    const base = await origin(p);
    const root = readFileSync(`${p.home}/root.cap`, 'utf8').trim();
    const r = await get(`${base}/metrics`, { authorization: `Bearer ${root}` });
    assert.equal(r.status, 404);
    assert.match(r.body, /metrics = true/);
    const text = await p.client.metrics();
    assert.equal(value(text, 'kelpie_service_state{service="web",state="running"}'), 1);
    // Bad input to the new routes: a clear error, nothing done.
    await assert.rejects(p.client.call('POST', '/v1/dashboard', [1]), (e: Error & { code?: string }) => e.code === 'KELPIE_E_BAD_REQUEST' && /JSON object/.test(e.message));
    assert.equal((await get(`${base}/login?code=${'0'.repeat(48)}`)).status, 403, 'a code never issued');
    assert.equal((await get(`${base}/login`)).status, 403, 'no code');
    assert.equal((await get(`${base}/v1/status`)).status, 401, 'no session, no capability');
    assert.equal((await get(`${base}/nothing-here`)).status, 404);
    const bad = await get(`${base}/v1/logs?n=-1`, { authorization: `Bearer ${root}` });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /n must be an integer/);
  } finally {
    await p.cleanup();
  }
});
