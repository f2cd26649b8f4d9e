// The API's routes. Each validates its input at the edge and calls the controller.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphResult, Applied, ReloadResult, ActionOutcome, KelpieEvent, LogEntry, ServiceDetail, StatusResult } from '../protocol/api.js';

import { KelpieError } from '../protocol/errors.js';
import { readJson, sendError, sendOk, sse } from './http.js';
import { parseRun, type RunRequest } from '../controller/transient.js';

/** The actions that act on a list of services. */
export type Action = 'start' | 'stop' | 'restart' | 'enable' | 'disable';

/** What the API needs from the controller. */
export interface ControllerApi {
  status(): StatusResult;
  detail(name: string, lines: number): ServiceDetail;
  act(action: Action, names: readonly string[] | 'all' | 'wanted', wait: boolean, timeoutMs: number): Promise<ActionOutcome[]>;
  signal(name: string, signal: string): Promise<void>;
  logs(names: readonly string[], n: number): LogEntry[];
  followLogs(names: readonly string[], f: (e: LogEntry) => void): () => void;
  subscribe(f: (e: KelpieEvent) => void): () => void;
  eventsSince(seq: number): KelpieEvent[];
  shutdown(): void;
  reload(dryRun: boolean, defer: readonly string[]): Promise<ReloadResult>;
  add(file: string): Promise<Applied[]>;
  remove(name: string): Promise<Applied[]>;
  upgrade(): void;
  graphView(): GraphResult;
  run(r: RunRequest): Promise<ActionOutcome>;
  trigger(name: string): ActionOutcome;
}

function strings(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new KelpieError('KELPIE_E_BAD_REQUEST', `"${name}" must be an array of strings`);
}

const ACTIONS = new Set<string>(['start', 'stop', 'restart', 'enable', 'disable']);

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
  throw new KelpieError('KELPIE_E_BAD_REQUEST', '"services" must be a non-empty array of names, "all" or "autostart"');
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
    if (m === 'GET' && head === 'status' && parts.length === 2) return sendOk(res, api.status());
    if (m === 'GET' && head === 'services' && arg && parts.length === 3) {
      return sendOk(res, api.detail(arg, intParam(url.searchParams.get('lines'), 'lines', 10, 10_000)));
    }
    if (m === 'POST' && head && ACTIONS.has(head) && parts.length === 2) {
      const body = await readJson(req);
      const wait = body.wait !== false;
      const timeout = typeof body.timeout_ms === 'number' && body.timeout_ms > 0 ? body.timeout_ms : 120_000;
      return sendOk(res, await api.act(head as Action, targets(body), wait, timeout));
    }
    if (m === 'POST' && head === 'signal' && parts.length === 2) {
      const body = await readJson(req);
      if (typeof body.service !== 'string' || typeof body.signal !== 'string') {
        throw new KelpieError('KELPIE_E_BAD_REQUEST', '"service" and "signal" must be strings');
      }
      await api.signal(body.service, body.signal);
      return sendOk(res, { service: body.service, signal: body.signal });
    }
    if (m === 'GET' && head === 'logs' && parts.length === 2) {
      const names = url.searchParams.getAll('service');
      const n = intParam(url.searchParams.get('n'), 'n', 100, 100_000);
      const lines = api.logs(names, n);
      if (url.searchParams.get('follow') !== '1') return sendOk(res, lines);
      let off = (): void => {};
      const write = sse(req, res, () => off());
      for (const l of lines) write('log', l);
      off = api.followLogs(names, (l) => write('log', l));
      return;
    }
    if (m === 'GET' && head === 'events' && parts.length === 2) {
      const after = intParam(url.searchParams.get('after'), 'after', 0, Number.MAX_SAFE_INTEGER);
      let off = (): void => {};
      const write = sse(req, res, () => off());
      for (const e of api.eventsSince(after)) write('event', e);
      off = api.subscribe((e) => write('event', e));
      return;
    }
    if (m === 'GET' && head === 'graph' && parts.length === 2) return sendOk(res, api.graphView());
    if (m === 'POST' && head === 'trigger' && parts.length === 2) {
      const body = await readJson(req);
      if (typeof body.service !== 'string') throw new KelpieError('KELPIE_E_BAD_REQUEST', '"service" must be a string');
      return sendOk(res, api.trigger(body.service));
    }
    if (m === 'POST' && head === 'run' && parts.length === 2) return sendOk(res, await api.run(parseRun(await readJson(req))));
    if (m === 'POST' && head === 'reload' && parts.length === 2) {
      const body = await readJson(req);
      return sendOk(res, await api.reload(body.dry_run === true, strings(body.defer, 'defer')));
    }
    if (m === 'POST' && head === 'services' && parts.length === 2) {
      const body = await readJson(req);
      if (typeof body.file !== 'string' || !body.file.startsWith('/')) throw new KelpieError('KELPIE_E_BAD_REQUEST', '"file" must be an absolute path');
      return sendOk(res, await api.add(body.file));
    }
    if (m === 'DELETE' && head === 'services' && arg && parts.length === 3) {
      return sendOk(res, await api.remove(arg));
    }
    if (m === 'POST' && head === 'upgrade' && parts.length === 2) {
      sendOk(res, { upgrading: true });
      api.upgrade();
      return;
    }
    if (m === 'POST' && head === 'shutdown' && parts.length === 2) {
      sendOk(res, { shutting_down: true });
      api.shutdown();
      return;
    }
    throw new KelpieError('KELPIE_E_NOT_FOUND', `no route ${m} ${url.pathname}`);
  } catch (err) {
    sendError(res, err);
  }
}
