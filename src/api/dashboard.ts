// The web dashboard's listener: TCP, loopback unless configured otherwise. A one-time login
// link (minted for a capability over the socket by `kelpie dashboard`) becomes an HttpOnly
// session cookie; every API call from the page then goes through the same routes and gate
// as the socket, acting with that capability. /metrics serves Prometheus (opt-in).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { readPrivate, writeAtomic } from '../caps/store-fs.js';
import type { DashboardSpec } from '../config/types.js';
import type { DashboardLink } from '../protocol/api.js';
import { KelpieError } from '../protocol/errors.js';
import { sendError } from './http.js';
import { METRICS_CONTENT_TYPE } from './metrics.js';
import { route, type ControllerApi } from './routes.js';

const LINK_TTL_MS = 5 * 60_000;
const MAX_SESSIONS = 1000;
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
};
const ASSETS = new Set(['/app.js', '/app.css', '/favicon.svg', '/app.js.LEGAL.txt']);
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer',
};

/** `listen` → host and port for net.listen ("[::1]:0" → "::1", 0). */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function cookieOf(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** A session id as kept: its SHA-256, so the file does not hold the cookies themselves. */
const sessionKey = (sid: string): string => createHash('sha256').update(sid).digest('hex');

/** What a controller leaves for the next one (dashboard.json in the home, mode 0600). */
interface Saved {
  readonly v: 1;
  /** The [dashboard] listen it was opened for: a changed one starts afresh. */
  readonly listen: string;
  readonly port: number;
  /** [SHA-256 of the session id, capability] */
  readonly sessions: ReadonlyArray<readonly [string, string]>;
}

function readSaved(file: string): Saved | null {
  try {
    const d = JSON.parse(readPrivate(file) ?? 'null') as Partial<Saved> | null;
    if (!d || d.v !== 1 || typeof d.listen !== 'string' || !Number.isInteger(d.port) || !Array.isArray(d.sessions)) return null;
    const sessions = d.sessions.filter((x): x is [string, string] => Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'string');
    return { v: 1, listen: d.listen, port: d.port as number, sessions };
  } catch {
    return null; // unreadable, not ours, or not JSON: start afresh
  }
}

/** The dashboard listener: login links, sessions, static files, /v1 for the page, /metrics. */
export class Dashboard {
  #server: Server | null = null;
  #opening: Promise<string> | null = null;
  #origin = '';
  /** Login codes not yet used → the capability they stand for (memory only: five minutes). */
  readonly #links = new Map<string, { token: string; expires: number }>();
  /** Session keys (see sessionKey) → capability; saved for the next controller. */
  readonly #sessions = new Map<string, string>();

  /**
   * `stateFile`: where the port and sessions are kept for the next controller (a crash or
   * `kelpie upgrade`), so an open page reconnects by itself; null keeps nothing.
   */
  constructor(
    private readonly api: ControllerApi,
    private readonly spec: DashboardSpec,
    private readonly webDir: string,
    private readonly stateFile: string | null = null,
  ) {}

  /**
   * After a controller restart: the listener where the previous controller had it, with its
   * sessions. Null when it had none open, `listen` changed, or the port cannot be had again.
   */
  async resume(): Promise<{ origin: string; sessions: number } | null> {
    const saved = this.stateFile === null ? null : readSaved(this.stateFile);
    if (!saved || saved.listen !== this.spec.listen) {
      this.forget();
      return null;
    }
    for (const [key, token] of saved.sessions) this.#sessions.set(key, token);
    // The controller being replaced may still hold the port for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        return { origin: await this.open(saved.port), sessions: this.#sessions.size };
      } catch (err) {
        if (/EADDRINUSE/.test((err as Error).message) && attempt < 25) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        this.#sessions.clear();
        this.forget();
        return null;
      }
    }
  }

  /** Nothing for the next controller (a fresh start: `kelpie up`). */
  forget(): void {
    if (this.stateFile !== null) rmSync(this.stateFile, { force: true });
  }

  #save(): void {
    if (this.stateFile === null || !this.#origin) return;
    const saved: Saved = { v: 1, listen: this.spec.listen, port: Number(new URL(this.#origin).port), sessions: [...this.#sessions] };
    try {
      writeAtomic(this.stateFile, `${JSON.stringify(saved)}\n`, true);
    } catch {
      // a disk that takes nothing: sessions still work until this controller ends
    }
  }

  /** Cookies are per host, not per port: two kelpies on 127.0.0.1 need two cookie names. */
  get #cookie(): string {
    return `kelpie_session_${new URL(this.#origin).port}`;
  }

  /** The origin (http://host:port) once listening. */
  get origin(): string {
    return this.#origin;
  }

  /** Starts listening if not yet (on `port`, else the configured one); resolves with the origin. */
  open(port?: number): Promise<string> {
    this.#opening ??= new Promise<string>((resolve, reject) => {
      const { host, port: configured } = parseListen(this.spec.listen);
      const server = createServer((req, res) => void this.#handle(req, res));
      server.headersTimeout = 10_000;
      server.requestTimeout = 30_000;
      server.on('clientError', (_e, socket) => socket.destroy());
      server.on('connection', (s) => s.on('error', () => {}));
      server.once('error', (err) => {
        this.#opening = null;
        reject(new KelpieError('KELPIE_E_INTERNAL', `cannot listen on ${this.spec.listen} for the dashboard: ${err.message}`, 'set another [dashboard] listen in the config'));
      });
      server.listen(port ?? configured, host, () => {
        server.on('error', () => {});
        const a = server.address() as AddressInfo;
        const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        this.#server = server;
        this.#origin = `http://${h}:${a.port}`;
        this.#save();
        resolve(this.#origin);
      });
    });
    return this.#opening;
  }

  /** A one-time link that logs a browser in with `token`. */
  async link(token: string): Promise<DashboardLink> {
    const origin = await this.open();
    const now = Date.now();
    for (const [k, v] of this.#links) if (v.expires < now) this.#links.delete(k);
    const code = randomBytes(24).toString('hex');
    const expires = now + LINK_TTL_MS;
    this.#links.set(code, { token, expires });
    return { url: `${origin}/login?code=${code}`, expiresAt: new Date(expires).toISOString() };
  }

  close(): void {
    this.#server?.closeAllConnections();
    this.#server?.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://dashboard');
      const method = req.method ?? 'GET';
      // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) sends
      // its own Host: only ours is served on a loopback listener.
      const { host } = parseListen(this.spec.listen);
      if (isLoopback(host) && !this.#hostOk(req.headers.host)) return this.#plain(res, 421, 'misdirected request: unknown Host\n');
      if (method === 'GET' && url.pathname === '/login') return this.#login(url, res);
      if (method === 'GET' && url.pathname === '/metrics') return this.#metrics(req, res);
      if (url.pathname.startsWith('/v1/')) return await this.#apiCall(req, res, method);
      if (method === 'GET' && (url.pathname === '/' || ASSETS.has(url.pathname))) return await this.#asset(res, url.pathname === '/' ? '/index.html' : url.pathname);
      return this.#plain(res, 404, 'not found\n');
    } catch (err) {
      sendError(res, err);
    }
  }

  #hostOk(h: string | undefined): boolean {
    if (!h) return false;
    const port = new URL(this.#origin).port;
    return [new URL(this.#origin).host, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`].includes(h);
  }

  #plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra });
    res.end(text);
  }

  #login(url: URL, res: ServerResponse): void {
    const code = url.searchParams.get('code') ?? '';
    let found: string | null = null;
    for (const [k, v] of this.#links) {
      if (k.length === code.length && timingSafeEqual(Buffer.from(k), Buffer.from(code))) found = k;
      if (v.expires < Date.now()) this.#links.delete(k);
    }
    const entry = found === null ? undefined : this.#links.get(found);
    if (found !== null) this.#links.delete(found); // one use only
    if (!entry) return this.#plain(res, 403, 'This dashboard link was already used or has expired.\nRun `kelpie dashboard` for a new one.\n');
    if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    const sid = randomBytes(32).toString('hex');
    this.#sessions.set(sessionKey(sid), entry.token);
    this.#save();
    res.writeHead(303, { location: '/', 'set-cookie': `${this.#cookie}=${sid}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store', ...SECURITY_HEADERS });
    res.end();
  }

  /** Puts the session's capability on the request, where the gate looks for it. */
  #authorize(req: IncomingMessage): void {
    const sid = cookieOf(req, this.#cookie);
    const token = sid === null ? undefined : this.#sessions.get(sessionKey(sid));
    if (token) req.headers.authorization = `Bearer ${token}`;
  }

  #metrics(req: IncomingMessage, res: ServerResponse): void {
    if (!this.spec.metrics) return this.#plain(res, 404, 'metrics are off: set [dashboard] metrics = true\n');
    this.#authorize(req);
    const c = this.api.gate.caller(req, 'status', 'metrics');
    this.api.gate.allow(c, 'status', null, 'metrics');
    const body = this.api.metrics((s) => c.perms.allowsService(s));
    res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
  }

  async #apiCall(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (method !== 'GET') {
      // No cross-site writes: a page elsewhere can neither send JSON without a preflight nor
      // carry our SameSite=Strict cookie; an Origin, when sent, must be ours.
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) {
        throw new KelpieError('KELPIE_E_FORBIDDEN', `not permitted: cross-origin request from ${origin.slice(0, 100)}`);
      }
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        throw new KelpieError('KELPIE_E_BAD_REQUEST', 'a dashboard API write must be sent as application/json');
      }
    }
    this.#authorize(req);
    await route(this.api, req, res);
  }

  async #asset(res: ServerResponse, path: string): Promise<void> {
    let body: Buffer;
    try {
      body = await readFile(join(this.webDir, path));
    } catch {
      return this.#plain(res, 404, `dashboard asset ${path} is missing: was kelpie built (npm run build)?\n`);
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
    res.end(body);
  }
}
