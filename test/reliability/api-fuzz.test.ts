// Misbehaving API clients against a real daemon: fuzzed requests, huge headers and bodies,
// slow-loris and half-open sockets, a follower that stops reading. The daemon must never
// crash (same controller pid), never answer 5xx for bad input, and keep answering others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { closeSync, openSync, readFileSync, constants as fsc } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { Project, fixture } from '../helpers/project.js';
import { parseRun } from '../../src/controller/transient.js';
import { rawRequest, rawSocket, rssKb, within, poll, sleep, type RawReply } from './helpers.js';
import type { StatusResult } from '../../src/protocol/api.js';

const KNOWN = ['a', 'b'];
const SEED = Number(process.env.KELPIE_FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.KELPIE_FUZZ_RUNS ?? 300);

/** The owner's capability header for raw requests to `home` (empty before capabilities existed). */
function auth(home: string): string {
  try {
    return `authorization: Bearer ${readFileSync(join(home, 'root.cap'), 'utf8').trim()}\r\n`;
  } catch {
    return '';
  }
}

let AUTH = '';

/**
 * One HTTP/1.1 request exactly as written on the wire, with the owner's capability unless
 * `authz` says otherwise. Keep-alive, as HTTP clients send: with "connection: close" a server
 * may answer early and close while a client is still writing its body (EPIPE before it reads).
 */
function wire(method: string, target: string, body?: string | Buffer, o: { extra?: string; authz?: string } = {}): Buffer {
  const b = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  const cl = body === undefined ? '' : `content-length: ${b.length}\r\n`;
  return Buffer.concat([Buffer.from(`${method} ${target} HTTP/1.1\r\nhost: kelpie\r\n${o.authz ?? AUTH}${o.extra ?? ''}${cl}\r\n`, 'latin1'), b]);
}

// ---- the fuzzed request space -------------------------------------------------------------

const SEGMENTS = ['v1', 'status', 'services', 'start', 'stop', 'restart', 'enable', 'disable', 'signal', 'logs', 'events', 'graph', 'trigger', 'run', 'reload', 'upgrade', 'shutdown', 'a', 'b', 'ghost', '%', '%zz', '%E0%A4%A', '%2F', '%00', '..', '.', '%2e', '', '~', 'v2', 'V1'];
const pathChars = fc.string({ unit: 'binary-ascii', maxLength: 12 }).map((s) => s.replace(/[\s\x00-\x1f\x7f?#]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
const segment = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SEGMENTS) }, { weight: 1, arbitrary: pathChars });
const query = fc.array(fc.tuple(fc.constantFrom('n', 'lines', 'after', 'follow', 'service', 'x'), fc.oneof(fc.constantFrom('1', '0', '-3', '1e3', '%', 'a', 'ghost', '99999999999999999999', '', 'NaN', '0x10'), pathChars)), { maxLength: 3 }).map((kv) => (kv.length ? `?${kv.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
const ROUTES = ['status', 'services', 'start', 'stop', 'restart', 'enable', 'disable', 'signal', 'logs', 'events', 'graph', 'trigger', 'run', 'reload', 'caps'];
const target = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ROUTES), fc.option(segment, { nil: undefined }), query).map(([h, s, q]) => `/v1/${h}${s === undefined ? '' : `/${s}`}${q}`) },
  { weight: 4, arbitrary: fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), query, fc.boolean()).map(([s, q, slash]) => `/${s.join('/')}${slash ? '/' : ''}${q}`) },
  { weight: 1, arbitrary: fc.constantFrom('*', '//', '///v1/status', '//[', 'http://x/v1/status', 'v1/status', '/v1/status#x', '/\\v1', '/v1/services/a%') },
);
const method = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT') }, { weight: 2, arbitrary: fc.constantFrom('PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'get', 'G@T', 'CONNECT') });
const value = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 1e308, 2 ** 31, Number.MAX_SAFE_INTEGER + 2, 0.5),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('all', 'wanted', 'a', 'ghost', 'KILL', 'SIGTERM', 'NOPE', '0', '/', 'relative.toml', '/nonexistent/x.toml', '/etc/hostname'),
  fc.array(fc.oneof(fc.constantFrom('a', 'b', 'ghost', '', 'A'), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxKeys: 2 }),
);
const KEYS = ['services', 'wait', 'timeout_ms', 'service', 'signal', 'dry_run', 'defer', 'file', 'argv', 'cwd', 'env', 'name', 'caveats', 'note', 'id'];
const body = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), value, { maxKeys: 4 }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.tuple(fc.json({ maxDepth: 2 }), fc.nat()).map(([j, n]) => j.slice(0, n % Math.max(1, j.length))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u).toString('latin1')) },
  { weight: 1, arbitrary: fc.constantFrom('['.repeat(20_000), '{"services":'.repeat(3000), '\u0000', '{"__proto__":{"services":["a"]}}', '{"services":["a"],"services":5}') },
);
const POSTS = ['start', 'stop', 'restart', 'enable', 'disable', 'signal', 'trigger', 'run', 'reload', 'services', 'caps/grant', 'caps/revoke'];
// Mostly the owner's capability; sometimes none, a malformed one or a forged one.
const authz = fc.oneof({ weight: 12, arbitrary: fc.constant('owner') }, { weight: 1, arbitrary: fc.constantFrom('', 'authorization: Bearer\r\n', 'authorization: Basic a2VscGll\r\n') }, { weight: 1, arbitrary: fc.base64String({ maxLength: 60 }).map((b) => `authorization: Bearer kelpie-cap-v1.${b}\r\n`) });
const request = fc.oneof(
  fc.record({ method, target, body, authz }),
  // Right method and route, wrong body: exercises the validation of every POST route.
  fc.record({ method: fc.constant('POST'), target: fc.constantFrom(...POSTS).map((r) => `/v1/${r}`), body, authz }),
);

const REAL_SIGNAL = (s: string): boolean => {
  const u = s.toUpperCase();
  return u in constants.signals || `SIG${u}` in constants.signals;
};
const SAFE_FILES = new Set(['/', '/etc/hostname', '/nonexistent/x.toml']);

/** True when a request is valid and would change something (those are not "bad input"). */
function mutates(r: { method: string; target: string; body: string | undefined }): boolean {
  let parts: string[];
  try {
    parts = new URL(r.target, 'http://kelpie').pathname.split('/').filter(Boolean);
  } catch {
    return false;
  }
  if (parts[0] !== 'v1' || r.method !== 'POST' && r.method !== 'DELETE') return false;
  if (r.method === 'POST' && (parts[1] === 'shutdown' || parts[1] === 'upgrade')) return true;
  let b: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(r.body ?? '{}');
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) b = v as Record<string, unknown>;
  } catch {
    return false;
  }
  const s = b.services;
  if (['start', 'stop', 'restart', 'enable', 'disable'].includes(parts[1] ?? '')) {
    return s === 'all' || s === 'wanted' || (Array.isArray(s) && s.length > 0 && s.every((x) => typeof x === 'string' && KNOWN.includes(x)));
  }
  if (parts[1] === 'signal') return typeof b.service === 'string' && KNOWN.includes(b.service) && typeof b.signal === 'string' && REAL_SIGNAL(b.signal);
  if (parts[1] === 'run') {
    try {
      parseRun(b);
      return true;
    } catch {
      return false;
    }
  }
  if (parts[1] === 'services' && r.method === 'POST') return typeof b.file === 'string' && b.file.startsWith('/') && !SAFE_FILES.has(b.file);
  return false;
}

// ---- one daemon for the request-level tests -------------------------------------------------

let p: Project;
let before0: StatusResult;

before(async () => {
  p = new Project(`[services.a]\ncommand = ${fixture('forever')}\n[services.b]\ncommand = ${fixture('forever')}\n`);
  await p.up();
  AUTH = auth(p.home);
  before0 = await p.status();
});

after(async () => {
  await p.cleanup();
});

/** The daemon is the same one, answering, with the same service processes. */
async function unchanged(what: string): Promise<void> {
  const now = await within(p.status(), 5000, `status after ${what}`);
  assert.equal(now.daemon.controller_pid, before0.daemon.controller_pid, `controller replaced after ${what}`);
  assert.equal(now.daemon.keeper_pid, before0.daemon.keeper_pid);
  assert.deepEqual(now.services.map((s) => [s.name, s.state, s.pid]), before0.services.map((s) => [s.name, 'running', s.pid]), `services changed after ${what}`);
}

test(`fuzzed requests (fast-check, ${RUNS} runs): no 5xx, no crash, nothing changes`, async (t) => {
  const reqs = fc.sample(request, { numRuns: RUNS * 2, seed: SEED }).filter((r) => !mutates(r)).slice(0, RUNS);
  const replies: Array<{ r: (typeof reqs)[number]; reply: RawReply }> = [];
  for (let i = 0; i < reqs.length; i += 8) {
    const batch = reqs.slice(i, i + 8);
    replies.push(...(await Promise.all(batch.map(async (r) => ({ r, reply: await rawRequest(p.client.socket, wire(r.method, r.target, r.body, { authz: r.authz === 'owner' ? AUTH : r.authz })) })))));
  }
  const byStatus = new Map<string, number>();
  for (const { reply } of replies) byStatus.set(String(reply.status ?? reply.error), (byStatus.get(String(reply.status ?? reply.error)) ?? 0) + 1);
  t.diagnostic(`seed ${SEED}: ${replies.length} requests; replies ${JSON.stringify(Object.fromEntries(byStatus))}`);
  // Distinct 5xx answers (status, code, message), each with a count and one example request.
  const fivexx = new Map<string, { n: number; example: string }>();
  for (const { r, reply } of replies) {
    if (reply.status === null || reply.status < 500) continue;
    const key = `${reply.status} ${/"code":"(\w+)"/.exec(reply.body)?.[1]} "${/"message":"([^"]*)"/.exec(reply.body)?.[1]}"`;
    const seen = fivexx.get(key) ?? { n: 0, example: `${r.method} ${r.target} ${(JSON.stringify(r.body) ?? '').slice(0, 60)}` };
    fivexx.set(key, { ...seen, n: seen.n + 1 });
  }
  assert.deepEqual([...fivexx].map(([k, v]) => `${k} x${v.n}, e.g. ${v.example}`), [], `5xx answers to bad input (seed ${SEED}; KELPIE_FUZZ_SEED=${SEED} replays it)`);
  // Every request is answered, CONNECT included (Node drops one that has no handler).
  const unanswered = replies.filter(({ reply }) => reply.status === null);
  assert.deepEqual(unanswered.map(({ r, reply }) => `${r.method} ${r.target}: ${reply.error}`), [], 'requests left without an answer');
  await unchanged('the fuzzed requests');
});

// Each of these is bad input that must be answered 4xx. Several once answered 5xx.
const BAD: Array<[string, () => Buffer]> = [
  ['a malformed percent-escape in a service name (GET /v1/services/%)', () => wire('GET', '/v1/services/%')],
  ['a malformed percent-escape in DELETE /v1/services/%E0%A4%A', () => wire('DELETE', '/v1/services/%E0%A4%A')],
  ['a request-target of "//"', () => wire('GET', '//')],
  ['an unknown signal name (POST /v1/signal {"signal":"NOPE"})', () => wire('POST', '/v1/signal', JSON.stringify({ service: 'a', signal: 'NOPE' }))],
  ['an empty signal name', () => wire('POST', '/v1/signal', JSON.stringify({ service: 'a', signal: '' }))],
  ['JSON nested 20 000 deep', () => wire('POST', '/v1/start', '['.repeat(20_000))],
  ['a body that is not UTF-8', () => wire('POST', '/v1/stop', Buffer.from([0xff, 0xfe, 0x7b]))],
  ['a declared content-length with a chunked body', () => wire('POST', '/v1/stop', undefined, { extra: 'content-length: 5\r\ntransfer-encoding: chunked\r\n' })],
  ['an invalid method token', () => wire('G@T', '/v1/status')],
  ['a header line without a colon', () => wire('GET', '/v1/status', undefined, { extra: 'this is not a header\r\n' })],
];
for (const [what, bytes] of BAD) {
  test(`bad input is answered 4xx: ${what}`, async () => {
    const r = await rawRequest(p.client.socket, bytes());
    assert.ok(r.status !== null && r.status >= 400 && r.status < 500, `got ${r.status ?? r.error}: ${r.head.split('\r\n')[0]} ${r.body.slice(0, 200)}`);
    await unchanged(what);
  });
}

test('huge headers (> 16 KB): one big header, a 64 KB URL, 2000 and 8000 headers are refused 4xx; the daemon stays up', async () => {
  const cases: Array<[string, Buffer]> = [
    ['one 20 KB header', wire('GET', '/v1/status', undefined, { extra: `x-big: ${'a'.repeat(20_000)}\r\n` })],
    ['2000 small headers (64 KB)', wire('GET', '/v1/status', undefined, { extra: Array.from({ length: 2000 }, (_, i) => `x-h${i}: ${'b'.repeat(24)}\r\n`).join('') })],
    // More than the socket buffers hold: the server answers while the client is still
    // writing, and keeps reading (a lingering close), so the client gets the 400, not EPIPE.
    ['8000 small headers (280 KB)', wire('GET', '/v1/status', undefined, { extra: Array.from({ length: 8000 }, (_, i) => `x-h${i}: ${'b'.repeat(24)}\r\n`).join('') })],
    ['a 64 KB URL', wire('GET', `/v1/services/${'c'.repeat(64 * 1024)}`)],
  ];
  const replies = await Promise.all(cases.map(async ([what, bytes]) => [what, await rawRequest(p.client.socket, bytes)] as const));
  for (const [what, r] of replies) {
    assert.ok(r.status !== null && r.status >= 400 && r.status < 500, `${what}: got ${r.status ?? r.error}`);
    assert.equal(r.error, null, `${what}: the connection was reset after the answer`);
  }
  await unchanged('huge headers');
});

test('a refusal sent before the body is read reaches a "connection: close" client', async () => {
  // Refused at the gate (no capability) while 512 KB of body is still on its way: the server
  // must read it before closing, or the reset that close sends may destroy the 401.
  const body = Buffer.alloc(512 * 1024, 'x');
  const replies = await Promise.all(
    [0, 1, 2, 3].map(() => rawRequest(p.client.socket, wire('POST', '/v1/start', body, { authz: '', extra: 'connection: close\r\n' }), 10_000)),
  );
  assert.deepEqual(replies.map((r) => r.status ?? r.error), [401, 401, 401, 401]);
  await unchanged('early refusals');
});

test('CONNECT is answered 405, not dropped', async () => {
  const r = await rawRequest(p.client.socket, Buffer.from('CONNECT kelpie:443 HTTP/1.1\r\nhost: kelpie:443\r\n\r\n', 'latin1'));
  assert.equal(r.status, 405, r.error ?? r.head);
  assert.match(r.body, /KELPIE_E_BAD_REQUEST/);
  await unchanged('CONNECT');
});

test('a body over the 1 MB limit is answered 4xx, not dropped with a reset', async () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 'x');
  const replies = await Promise.all([0, 1, 2, 3].map(() => rawRequest(p.client.socket, wire('POST', '/v1/start', big), 10_000)));
  await unchanged('2 MB bodies');
  const answers = replies.map((r) => r.status ?? r.error);
  assert.ok(replies.every((r) => r.status !== null && r.status >= 400 && r.status < 500), `answers to four 2 MB bodies: ${answers.join(', ')}`);
});

test('slow-loris, stalled bodies, half-open and mid-request closes: status still answers within 1 s', async (t) => {
  const sock = p.client.socket;
  const stuck = [];
  // Slow-loris: a byte every 100 ms of a header block that never ends.
  const loris = Array.from({ length: 8 }, () => rawSocket(sock));
  const text = `GET /v1/status HTTP/1.1\r\nhost: kelpie\r\nx-slow: ${'z'.repeat(10_000)}`;
  let i = 0;
  const drip = setInterval(() => {
    for (const s of loris) s.write(text[i % text.length] ?? 'z');
    i++;
  }, 100);
  stuck.push(...loris);
  // A body promised (content-length 100000) and never sent.
  for (let k = 0; k < 4; k++) {
    const s = rawSocket(sock);
    s.write('POST /v1/stop HTTP/1.1\r\nhost: kelpie\r\ncontent-length: 100000\r\n\r\n{"services": [');
    stuck.push(s);
  }
  // Half a request, then our side shut (FIN), socket left half-open.
  for (let k = 0; k < 4; k++) {
    const s = rawSocket(sock);
    s.end('GET /v1/sta');
    stuck.push(s);
  }
  // Connected, silent.
  for (let k = 0; k < 4; k++) stuck.push(rawSocket(sock));
  // An event stream nobody reads.
  const deaf = rawSocket(sock);
  deaf.write(`GET /v1/events HTTP/1.1\r\nhost: kelpie\r\n${AUTH}\r\n`);
  deaf.pause();
  stuck.push(deaf);
  // Closed mid-request, again and again.
  let closers = 0;
  const closing = setInterval(() => {
    const s = rawSocket(sock);
    s.write(closers % 2 ? 'POST /v1/restart HTTP/1.1\r\nhost: kelpie\r\ncontent-length: 50\r\n\r\n{"serv' : 'GET /v1/services/a HTTP/1.1\r\nho');
    setTimeout(() => s.destroy(), 5);
    closers++;
  }, 20);
  // A full request, then FIN: the answer must still come back on the half-closed socket.
  const halfClosed = rawRequest(sock, [`GET /v1/status HTTP/1.1\r\nhost: kelpie\r\n${AUTH}\r\n`]);
  try {
    await sleep(300);
    const latencies: number[] = [];
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      const t0 = Date.now();
      const st = await within(p.status(), 1000, 'status while stuck clients are connected');
      latencies.push(Date.now() - t0);
      assert.equal(st.daemon.controller_pid, before0.daemon.controller_pid);
      await sleep(100);
    }
    const cli = await within(p.kelpie(['status', '--json']), 5000, 'kelpie status while stuck clients are connected');
    assert.equal(cli.code, 0, cli.stderr);
    const hc = await halfClosed;
    assert.equal(hc.status, 200, `request then FIN: ${hc.status ?? hc.error}`);
    t.diagnostic(`${stuck.length} stuck sockets, ${closers} mid-request closes; ${latencies.length} status calls, max ${Math.max(...latencies)} ms`);
  } finally {
    clearInterval(drip);
    clearInterval(closing);
    for (const s of stuck) s.destroy();
  }
  await unchanged('stuck clients');
});

// ---- requests that disturb the daemon get a daemon of their own -----------------------------

test('POST /v1/services naming a file that never ends (a FIFO) does not block the API', async () => {
  const q = new Project(`[services.a]\ncommand = ${fixture('forever')}\n`);
  const fifo = join(q.dir, 'never.toml');
  execFileSync('mkfifo', [fifo]);
  try {
    await q.up();
    const pid = (await q.status()).daemon.controller_pid;
    const add = rawRequest(q.client.socket, wire('POST', '/v1/services', JSON.stringify({ file: fifo }), { authz: auth(q.home) }), 20_000);
    await sleep(300);
    const answered = await within(q.status(), 2000, 'status while another client added a FIFO').then(
      () => true,
      () => false,
    );
    // Unblock the reader (a writer that closes at once: EOF) so the daemon can be stopped.
    await poll(() => {
      try {
        closeSync(openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK));
        return true;
      } catch {
        return false;
      }
    }, 5000);
    const r = await add;
    assert.ok(answered, 'status did not answer within 2 s while POST /v1/services read a FIFO: the controller blocks on it');
    assert.ok(r.status !== null && r.status >= 400 && r.status < 500, `POST /v1/services {file: FIFO}: ${r.status ?? r.error}`);
    assert.equal((await q.status()).daemon.controller_pid, pid);
  } finally {
    await q.cleanup();
  }
});

test('a log follower during an output flood: keeper and controller memory stay bounded', async (t) => {
  // 1 000 000 lines of 100 bytes: 100 MB of output, written as fast as the keeper reads.
  const q = new Project(`[services.flood]\ncommand = ${fixture('chatty', 1_000_000, 100, 0, 'idle')}\nautostart = false\nlog = { max_size = "4MB", keep = 1 }\n`);
  try {
    await q.up();
    const st = await q.status();
    const base = { keeper: rssKb(st.daemon.keeper_pid), controller: rssKb(st.daemon.controller_pid) };
    // Follows, then stops reading (the client is stuck, e.g. a terminal on Ctrl-S).
    const follower = rawSocket(q.client.socket);
    follower.write(`GET /v1/logs?follow=1&n=0&service=flood HTTP/1.1\r\nhost: kelpie\r\n${auth(q.home)}\r\n`);
    await new Promise((r) => follower.once('data', r));
    follower.pause();
    await q.client.act('start', ['flood']);
    let peak = { keeper: 0, controller: 0 };
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      peak = { keeper: Math.max(peak.keeper, rssKb(st.daemon.keeper_pid)), controller: Math.max(peak.controller, rssKb(st.daemon.controller_pid)) };
      await sleep(100);
    }
    follower.destroy();
    const growth = { keeper: Math.round((peak.keeper - base.keeper) / 1024), controller: Math.round((peak.controller - base.controller) / 1024) };
    t.diagnostic(`RSS growth over 5 s of flood with a stuck follower: keeper ${growth.keeper} MB, controller ${growth.controller} MB`);
    assert.ok(growth.keeper < 100 && growth.controller < 100, `memory grew by keeper ${growth.keeper} MB, controller ${growth.controller} MB (limit 100 MB each)`);
  } finally {
    await q.cleanup();
  }
});
