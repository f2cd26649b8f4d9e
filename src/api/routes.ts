// The API's routes. Each validates its input at the edge, asks the gate whether the caller's
// capability allows it (and audits), and calls the controller.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FleetNode, GraphResult, Applied, ReloadResult, ActionOutcome, KelpieEvent, LogEntry, ServiceDetail, ShutdownPlan, StatusResult, AccessResult, ServiceAction, UsageSample, DashboardLink } from '../protocol/api.js';
import { KelpieError } from '../protocol/errors.js';
import { encode, parseCaveat, type Caveat, type Permission } from '../caps/index.js';
import { METRICS_CONTENT_TYPE } from './metrics.js';
import { readJson, sendError, sendOk, sse } from './http.js';
import { parseRun, type RunRequest } from '../controller/transient.js';
import type { Gate } from './gate.js';

/** The actions that act on a list of services. */
export type Action = 'start' | 'stop' | 'restart' | 'enable' | 'disable';

/** What the API needs from the controller. */
export interface ControllerApi {
  readonly gate: Gate;
  status(): StatusResult;
  /** Names of the services a batch request names ('all' / 'wanted' expanded); throws on unknown. */
  expand(names: readonly string[] | 'all' | 'wanted'): string[];
  detail(name: string, lines: number): ServiceDetail;
  act(action: Action, names: readonly string[] | 'all' | 'wanted', wait: boolean, timeoutMs: number): Promise<ActionOutcome[]>;
  signal(name: string, signal: string): Promise<void>;
  logs(names: readonly string[], n: number): Promise<LogEntry[]>;
  /** The last `n` lines, then new ones as written: none lost between, none twice. `ended`:
   *  a remote node's stream ended, with why (the follow then ends). */
  followLogs(names: readonly string[], n: number, f: (e: LogEntry) => void, ended?: (why: string) => void): Promise<() => void>;
  subscribe(f: (e: KelpieEvent) => void): () => void;
  eventsSince(seq: number): KelpieEvent[];
  /** What a shutdown now would stop (the reply to it). */
  shutdownPlan(): ShutdownPlan;
  shutdown(): void;
  reload(dryRun: boolean, defer: readonly string[]): Promise<ReloadResult>;
  /** Service names a file defines (for checking `add` before doing it). */
  namesIn(file: string): string[];
  add(file: string): Promise<Applied[]>;
  remove(name: string): Promise<Applied[]>;
  upgrade(): void;
  /** Only services `see` allows, in every form (text, dot, nodes, edges). */
  graphView(see: (name: string) => boolean): GraphResult;
  run(r: RunRequest): Promise<ActionOutcome>;
  trigger(name: string): ActionOutcome;
  /** One resource-use sample of every running service, taken now. */
  usage(): UsageSample;
  /** Samples resource use every interval while at least one watcher is subscribed. */
  watchUsage(f: (s: UsageSample) => void): () => void;
  /** The Prometheus exposition of the services `visible` lets through. */
  metrics(visible: (service: string) => boolean): string;
  /** A one-time dashboard login link that acts with `token` (an encoded capability). */
  dashboardLink(token: string): Promise<DashboardLink>;
  /** The remote nodes this daemon links to (docs/fleet.md). */
  fleetView(): FleetNode[];
}

const SERVICE_ACTIONS: readonly ServiceAction[] = ['start', 'stop', 'restart', 'signal', 'logs'];

/** What a capability allows, per service it may see. */
export function accessOf(perms: Permission, services: readonly string[]): AccessResult {
  const visible = services.filter((n) => perms.allowsService(n));
  return {
    actions: [...perms.actions],
    limited: !perms.allServices,
    services: Object.fromEntries(visible.map((n) => [n, SERVICE_ACTIONS.filter((a) => perms.allows(a, n))])),
  };
}

function strings(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new KelpieError('KELPIE_E_BAD_REQUEST', `"${name}" must be an array of strings`);
}

const BATCH = { start: 'start', stop: 'stop', restart: 'restart', enable: 'start', disable: 'stop' } as const;

function intParam(v: string | null, name: string, dflt: number, max: number): number {
  if (v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new KelpieError('KELPIE_E_BAD_REQUEST', `${name} must be an integer from 0 to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

function targets(body: Record<string, unknown>): readonly string[] | 'all' | 'wanted' {
  const s = body.services;
  if (s === 'all' || s === 'wanted') return s;
  if (Array.isArray(s) && s.length > 0 && s.every((x) => typeof x === 'string')) return s as string[];
  throw new KelpieError('KELPIE_E_BAD_REQUEST', '"services" must be a non-empty array of names, "all" or "wanted"');
}

function caveats(body: Record<string, unknown>): Caveat[] {
  if (!Array.isArray(body.caveats)) throw new KelpieError('KELPIE_E_BAD_REQUEST', '"caveats" must be an array');
  return body.caveats.map((raw, i) => {
    const r = parseCaveat(raw);
    if (!r.ok) throw new KelpieError('KELPIE_E_BAD_REQUEST', `caveat ${i + 1}: ${r.reason}`);
    return r.caveat;
  });
}

/** Dispatches one request; never throws. */
export async function route(api: ControllerApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    let url: URL;
    let parts: string[];
    try {
      url = new URL(req.url ?? '/', 'http://kelpie');
      parts = url.pathname.split('/').filter(Boolean).map((x) => decodeURIComponent(x));
    } catch {
      throw new KelpieError('KELPIE_E_BAD_REQUEST', `malformed request target ${JSON.stringify((req.url ?? '').slice(0, 200))}`);
    }
    const m = req.method ?? 'GET';
    if (parts[0] !== 'v1') throw new KelpieError('KELPIE_E_NOT_FOUND', `no route ${m} ${url.pathname}`, 'API paths start with /v1/');
    const [, head, arg] = parts;
    const gate = api.gate;
    const n = parts.length;
    if (m === 'GET' && head === 'status' && n === 2) {
      const c = gate.caller(req, 'status', '');
      gate.allow(c, 'status', null, '');
      const s = api.status();
      return sendOk(res, { ...s, services: s.services.filter((x) => c.perms.allowsService(x.name)) });
    }
    if (m === 'GET' && head === 'services' && arg && n === 3) {
      const c = gate.caller(req, 'status', arg);
      gate.allow(c, 'status', [arg], arg);
      return sendOk(res, api.detail(arg, intParam(url.searchParams.get('lines'), 'lines', 10, 10_000)));
    }
    if (m === 'POST' && head && head in BATCH && n === 2) {
      const action = BATCH[head as keyof typeof BATCH];
      const c = gate.caller(req, action, '');
      const body = await readJson(req);
      const names = targets(body);
      const list = api.expand(names);
      gate.allow(c, action, list, list.join(','));
      const wait = body.wait !== false;
      const timeout = typeof body.timeout_ms === 'number' && body.timeout_ms > 0 ? body.timeout_ms : 120_000;
      return sendOk(res, await api.act(head as Action, names, wait, timeout));
    }
    if (m === 'POST' && head === 'signal' && n === 2) {
      const c = gate.caller(req, 'signal', '');
      const body = await readJson(req);
      if (typeof body.service !== 'string' || typeof body.signal !== 'string') {
        throw new KelpieError('KELPIE_E_BAD_REQUEST', '"service" and "signal" must be strings');
      }
      gate.allow(c, 'signal', [body.service], body.service);
      await api.signal(body.service, body.signal);
      return sendOk(res, { service: body.service, signal: body.signal });
    }
    if (m === 'GET' && head === 'logs' && n === 2) {
      const names = url.searchParams.getAll('service');
      const c = gate.caller(req, 'logs', names.join(','));
      gate.allow(c, 'logs', names.length ? names : null, names.join(','));
      const count = intParam(url.searchParams.get('n'), 'n', 100, 100_000);
      const mine = (l: LogEntry): boolean => c.perms.allowsService(l.service);
      if (url.searchParams.get('follow') !== '1') return sendOk(res, (await api.logs(names, count)).filter(mine));
      // Lines come from the first moment (the tail among them); held until the stream is open.
      let write: ((event: string, data: unknown) => void) | null = null;
      const held: LogEntry[] = [];
      const off = await api.followLogs(
        names,
        count,
        (l) => {
          if (!mine(l)) return;
          if (write) write('log', l);
          else held.push(l);
        },
        // A remote service's node ended its stream: so does this one (the client sees the end).
        () => res.end(),
      );
      if (res.destroyed || req.socket.destroyed) return off();
      const release = gate.holdStream(c, () => endRevoked(res, c.token.id));
      const w = sse(req, res, () => (off(), release()));
      for (const l of held) w('log', l);
      write = w;
      return;
    }
    if (m === 'GET' && head === 'events' && n === 2) {
      const c = gate.caller(req, 'events', '');
      gate.allow(c, 'events', null, '');
      const after = intParam(url.searchParams.get('after'), 'after', 0, Number.MAX_SAFE_INTEGER);
      const mine = (e: KelpieEvent): boolean => e.service === null || c.perms.allowsService(e.service);
      let off = (): void => {};
      const release = gate.holdStream(c, () => endRevoked(res, c.token.id));
      const write = sse(req, res, () => (off(), release()));
      for (const e of api.eventsSince(after)) if (mine(e)) write('event', e);
      off = api.subscribe((e) => mine(e) && write('event', e));
      return;
    }
    if (m === 'GET' && head === 'access' && n === 2) {
      const c = gate.caller(req, 'status', '');
      gate.allow(c, 'status', null, '');
      return sendOk(res, accessOf(c.perms, api.status().services.map((x) => x.name)));
    }
    if (m === 'GET' && head === 'usage' && n === 2) {
      const c = gate.caller(req, 'status', '');
      gate.allow(c, 'status', null, '');
      const mine = (u: UsageSample): UsageSample => ({ ...u, services: u.services.filter((x) => c.perms.allowsService(x.name)) });
      if (url.searchParams.get('follow') !== '1') return sendOk(res, mine(api.usage()));
      let off = (): void => {};
      const write = sse(req, res, () => off());
      off = api.watchUsage((u) => write('usage', mine(u)));
      if (res.destroyed) off();
      return;
    }
    if (m === 'GET' && head === 'metrics' && n === 2) {
      const c = gate.caller(req, 'status', '');
      gate.allow(c, 'status', null, '');
      const body = api.metrics((s) => c.perms.allowsService(s));
      res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (m === 'POST' && head === 'dashboard' && n === 2) {
      const c = gate.caller(req, 'status', '');
      await readJson(req);
      gate.allow(c, 'status', null, 'dashboard');
      return sendOk(res, await api.dashboardLink(encode(c.token)));
    }
    if (m === 'GET' && head === 'fleet' && n === 2) {
      // What the links see of other nodes is this daemon's status: only for a capability
      // that may see every service here.
      const c = gate.caller(req, 'status', '');
      gate.allow(c, 'status', ['*'], 'fleet');
      return sendOk(res, api.fleetView());
    }
    if (m === 'GET' && head === 'graph' && n === 2) {
      const c = gate.caller(req, 'graph', '');
      gate.allow(c, 'graph', null, '');
      return sendOk(res, api.graphView((name) => c.perms.allowsService(name)));
    }
    if (m === 'POST' && head === 'trigger' && n === 2) {
      const c = gate.caller(req, 'trigger', '');
      const body = await readJson(req);
      if (typeof body.service !== 'string') throw new KelpieError('KELPIE_E_BAD_REQUEST', '"service" must be a string');
      gate.allow(c, 'trigger', [body.service], body.service);
      return sendOk(res, api.trigger(body.service));
    }
    if (m === 'POST' && head === 'run' && n === 2) {
      const c = gate.caller(req, 'run', '');
      const r = parseRun(await readJson(req));
      gate.allow(c, 'run', r.name ? [r.name] : null, r.name ?? '');
      return sendOk(res, await api.run(r));
    }
    if (m === 'POST' && head === 'reload' && n === 2) {
      const c = gate.caller(req, 'reload', '');
      const body = await readJson(req);
      gate.allow(c, 'reload', null, '');
      return sendOk(res, await api.reload(body.dry_run === true, strings(body.defer, 'defer')));
    }
    if (m === 'POST' && head === 'services' && n === 2) {
      const c = gate.caller(req, 'add', '');
      const body = await readJson(req);
      if (typeof body.file !== 'string' || !body.file.startsWith('/')) throw new KelpieError('KELPIE_E_BAD_REQUEST', '"file" must be an absolute path');
      const names = api.namesIn(body.file);
      gate.allow(c, 'add', names, names.join(','));
      return sendOk(res, await api.add(body.file));
    }
    if (m === 'DELETE' && head === 'services' && arg && n === 3) {
      const c = gate.caller(req, 'remove', arg);
      gate.allow(c, 'remove', [arg], arg);
      return sendOk(res, await api.remove(arg));
    }
    if (m === 'POST' && head === 'upgrade' && n === 2) {
      gate.allow(gate.caller(req, 'upgrade', ''), 'upgrade', null, '');
      sendOk(res, { upgrading: true });
      api.upgrade();
      return;
    }
    if (m === 'POST' && head === 'shutdown' && n === 2) {
      gate.allow(gate.caller(req, 'shutdown', ''), 'shutdown', null, '');
      sendOk(res, { shutting_down: true, ...api.shutdownPlan() });
      api.shutdown();
      return;
    }
    if (head === 'caps') return await capsRoute(api, req, res, m, parts);
    throw new KelpieError('KELPIE_E_NOT_FOUND', `no route ${m} ${url.pathname}`);
  } catch (err) {
    // A refusal may come before the body was read: read (and drop) it first, briefly, so the
    // client gets the answer instead of a reset while it is still sending.
    if (!req.complete && !req.destroyed) {
      req.resume();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        req.once('end', () => (clearTimeout(t), resolve()));
        req.once('error', () => (clearTimeout(t), resolve()));
      });
    }
    sendError(res, err);
  }
}

/** Ends a stream whose capability was revoked, saying so (the client sees why it ended). */
function endRevoked(res: ServerResponse, id: string): void {
  if (res.destroyed) return;
  res.end(`event: revoked\ndata: ${JSON.stringify({ code: 'KELPIE_E_UNAUTHORIZED', message: `the capability ${id} has been revoked` })}\n\n`);
}

/** /v1/caps: grant (a narrower capability), list the grants, revoke one. */
async function capsRoute(api: ControllerApi, req: IncomingMessage, res: ServerResponse, m: string, parts: string[]): Promise<void> {
  const gate = api.gate;
  const c = gate.caller(req, 'grant', '');
  if (m === 'POST' && parts[2] === 'grant' && parts.length === 3) {
    const body = await readJson(req);
    const extra = caveats(body);
    const services = extra.flatMap((x) => (x.kind === 'services' ? x.patterns : []));
    gate.allow(c, 'grant', services.length ? services : null, services.join(','));
    return sendOk(res, gate.grant(c, extra, typeof body.note === 'string' ? body.note.slice(0, 200) : ''));
  }
  gate.allow(c, 'grant', null, parts.slice(2).join('/'));
  if (m === 'GET' && parts.length === 2) return sendOk(res, gate.grants());
  if (m === 'POST' && parts[2] === 'revoke' && parts.length === 3) {
    const body = await readJson(req);
    if (typeof body.id !== 'string' || !/^[0-9a-f]{32}$/.test(body.id)) throw new KelpieError('KELPIE_E_BAD_REQUEST', '"id" must be a capability id (32 hex digits)');
    return sendOk(res, { id: body.id, revoked: gate.revoke(body.id) });
  }
  throw new KelpieError('KELPIE_E_NOT_FOUND', `no route ${m} /${parts.join('/')}`);
}
