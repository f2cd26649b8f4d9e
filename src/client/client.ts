// Typed client of the kelpie API over the Unix socket, or over TLS to a remote node named by a
// capability URL (pinned to its fingerprint). Used by the CLI, the fleet links and the tests.
// While the controller restarts (crash or upgrade) the socket refuses connections for a
// moment; the local client retries for a few seconds when the keeper is still alive.
import type { ClientRequestArgs } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphResult, Applied, ReloadResult, ActionOutcome, Envelope, KelpieEvent, LogEntry, ServiceDetail, ShutdownPlan, StatusResult, AccessResult, UsageSample, DashboardLink } from '../protocol/api.js';
import { KelpieError, type ErrorCode } from '../protocol/errors.js';
import { homePaths } from '../protocol/home.js';
import type { CapUrl } from '../fleet/url.js';
import { whereOf } from '../fleet/where.js';
import { unixRequest } from './unix-http.js';


const RETRY_MS = 5000;

function keeperAlive(pidFile: string): boolean {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').split(' ')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The capability a client presents: `cap` (a token, or a file holding one), else KELPIE_CAP
 * (likewise), else the owner's root.cap in the home. Null when none can be read.
 */
export function findCapability(home: string, cap?: string, env = process.env): string | null {
  const read = (v: string): string | null => {
    if (v.startsWith('kelpie-cap-v1.')) return v.trim();
    try {
      return readFileSync(v, 'utf8').trim();
    } catch {
      return null;
    }
  };
  if (cap) return read(cap);
  if (env.KELPIE_CAP) return read(env.KELPIE_CAP);
  return read(join(home, 'root.cap'));
}

export class Client {
  readonly socket: string;
  readonly #pidFile: string;
  readonly #cap: string | null;

  /** The remote node this client talks to (TLS, pinned), or null for the local socket. */
  readonly remote: CapUrl | null;

  constructor(
    readonly home: string,
    opts: { cap?: string; remote?: CapUrl } = {},
  ) {
    const p = homePaths(home);
    this.remote = opts.remote ?? null;
    this.socket = this.remote ? `kelpie://${whereOf(this.remote)}` : p.socket;
    this.#pidFile = p.keeperPid;
    const explicit = this.remote ? this.remote.token : opts.cap;
    this.#cap = explicit !== undefined ? findCapability(home, explicit) : null;
    if (explicit !== undefined && this.#cap === null) throw new KelpieError('KELPIE_E_USAGE', `cannot read a capability from ${explicit}`);
    this.#explicit = explicit !== undefined;
  }

  readonly #explicit: boolean;

  /** Where to send a request: the Unix socket, or a pinned TLS connection made first. */
  async #target(signal?: AbortSignal): Promise<ClientRequestArgs & { servername?: string }> {
    // servername '' spares the agent working out a TLS server name from the default host
    // "localhost" (net.isIP: its IPv6 pattern takes milliseconds to compile on first use, a
    // noticeable part of a CLI command's time); a Unix socket has no TLS.
    if (!this.remote) return { socketPath: this.socket, servername: '' };
    // TLS (and the crypto behind the pin) is loaded only here: a local query never needs it.
    const { connectPinned } = await import('../fleet/pinned.js');
    const sock = await connectPinned(this.remote, signal);
    // No `agent` here: with agent:false Node makes an Agent of its own, which ignores
    // createConnection and dials a plain TCP connection (sending the capability in clear).
    return { createConnection: () => sock as Socket, host: this.remote.host, port: this.remote.port };
  }

  /** The Authorization header (found lazily: the owner's root.cap appears once kelpie is up). */
  #auth(): Record<string, string> {
    const cap = this.#explicit ? this.#cap : findCapability(this.home);
    return cap ? { authorization: `Bearer ${cap}` } : {};
  }

  /** One request; resolves with the result or rejects with a KelpieError. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const deadline = Date.now() + RETRY_MS;
    for (;;) {
      const auth = this.#auth();
      try {
        return await this.#once<T>(method, path, auth, body);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // The owner's root.cap is written by a starting daemon just before it listens: read
        // before, the request went out without it. Once more, with the file as it is now.
        if (code === 'KELPIE_E_UNAUTHORIZED' && !this.#explicit && !auth.authorization && findCapability(this.home) !== null) continue;
        // A reset mid-request is retried only for reads: a write may have been applied.
        // A remote node's link retries on its own terms.
        if (this.remote) throw err instanceof KelpieError ? err : new KelpieError('KELPIE_E_UNREACHABLE', `${this.socket}: ${code ?? (err as Error).message}`);
        const transient = code === 'ECONNREFUSED' || code === 'ENOENT' || ((code === 'ECONNRESET' || code === 'EPIPE') && method === 'GET');
        if (!transient) throw err;
        if (Date.now() > deadline || !keeperAlive(this.#pidFile)) {
          throw new KelpieError('KELPIE_E_UNREACHABLE', `cannot reach kelpie at ${this.socket}`, 'is it running? start it with: kelpie up -d');
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async #once<T>(method: string, path: string, auth: Record<string, string>, body?: unknown): Promise<T> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = { ...auth, ...(data ? { 'content-type': 'application/json' } : {}) };
    const envelope = (status: number | undefined, raw: Buffer): T => {
      let env: Envelope<T>;
      try {
        env = JSON.parse(raw.toString('utf8')) as Envelope<T>;
      } catch {
        throw new KelpieError('KELPIE_E_INTERNAL', `malformed reply from ${this.socket} (HTTP ${status})`);
      }
      if (env.ok) return env.result;
      throw new KelpieError(env.error.code as ErrorCode, env.error.message, env.error.hint, env.error.details);
    };
    // The local socket: one small request without node:http (src/client/unix-http.ts).
    if (!this.remote) {
      const reply = await unixRequest(this.socket, method, path, headers, data);
      return envelope(reply.status, reply.body);
    }
    const target = await this.#target();
    const { request } = await import('node:http');
    return new Promise<T>((resolve, reject) => {
      const req = request({ ...target, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve(envelope(res.statusCode, Buffer.concat(chunks)));
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Opens a Server-Sent Events stream; calls `on` per event until `signal` aborts or it ends. */
  async stream(path: string, on: (event: string, data: unknown) => void, signal?: AbortSignal, opts: { idleMs?: number; opened?: () => void } = {}): Promise<void> {
    let target: ClientRequestArgs & { servername?: string };
    try {
      target = await this.#target(signal);
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      throw err;
    }
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      const req = request({ ...target, method: 'GET', path, signal, headers: this.#auth() }, (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              const env = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope<unknown>;
              if (!env.ok) reject(new KelpieError(env.error.code as ErrorCode, env.error.message, env.error.hint));
              else resolve();
            } catch {
              reject(new KelpieError('KELPIE_E_INTERNAL', `HTTP ${res.statusCode}`));
            }
          });
          return;
        }
        opts.opened?.();
        // A silent connection (the node is stopped or the network is cut) ends the stream once
        // no heartbeat came for idleMs: the caller sees it end and decides what that means.
        let idle: NodeJS.Timeout | undefined;
        const kick = (): void => {
          if (opts.idleMs === undefined) return;
          clearTimeout(idle);
          idle = setTimeout(() => {
            req.destroy();
            reject(new KelpieError('KELPIE_E_UNREACHABLE', `${this.socket}: nothing heard for ${opts.idleMs} ms`));
          }, opts.idleMs);
        };
        kick();
        res.on('close', () => clearTimeout(idle));
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          kick();
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data) on(event, JSON.parse(data));
          }
        });
        res.on('end', resolve);
        res.on('error', () => resolve());
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') resolve();
        else if (this.remote) reject(new KelpieError('KELPIE_E_UNREACHABLE', `${this.socket}: ${err.code ?? err.message}`));
        else if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') reject(new KelpieError('KELPIE_E_UNREACHABLE', `cannot reach kelpie at ${this.socket}`, 'is it running? start it with: kelpie up -d'));
        else reject(err);
      });
      req.end();
    });
  }

  status(): Promise<StatusResult> {
    return this.call('GET', '/v1/status');
  }

  service(name: string, lines = 10): Promise<ServiceDetail> {
    return this.call('GET', `/v1/services/${encodeURIComponent(name)}?lines=${lines}`);
  }

  act(action: 'start' | 'stop' | 'restart' | 'enable' | 'disable', services: readonly string[] | 'all' | 'wanted', opts: { wait?: boolean; timeoutMs?: number } = {}): Promise<ActionOutcome[]> {
    return this.call('POST', `/v1/${action}`, { services, wait: opts.wait ?? true, ...(opts.timeoutMs ? { timeout_ms: opts.timeoutMs } : {}) });
  }

  signal(service: string, signal: string): Promise<unknown> {
    return this.call('POST', '/v1/signal', { service, signal });
  }

  logs(services: readonly string[], n: number): Promise<LogEntry[]> {
    const q = new URLSearchParams([...services.map((s) => ['service', s]), ['n', String(n)]]);
    return this.call('GET', `/v1/logs?${q}`);
  }

  /** `dropped`: lines the daemon did not send because this client read too slowly. */
  followLogs(services: readonly string[], n: number, on: (l: LogEntry) => void, signal?: AbortSignal, opts: { idleMs?: number; opened?: () => void; dropped?: (n: number) => void } = {}): Promise<void> {
    const q = new URLSearchParams([...services.map((s) => ['service', s]), ['n', String(n)], ['follow', '1']]);
    return this.stream(`/v1/logs?${q}`, (e, d) => (e === 'log' ? on(d as LogEntry) : e === 'dropped' && opts.dropped?.((d as { dropped: number }).dropped)), signal, opts);
  }

  events(on: (e: KelpieEvent) => void, signal?: AbortSignal, after = 0): Promise<void> {
    return this.stream(`/v1/events?after=${after}`, (_e, d) => on(d as KelpieEvent), signal);
  }

  reload(dryRun: boolean, defer: readonly string[] = []): Promise<ReloadResult> {
    return this.call('POST', '/v1/reload', { dry_run: dryRun, defer });
  }

  add(file: string): Promise<Applied[]> {
    return this.call('POST', '/v1/services', { file });
  }

  remove(name: string): Promise<Applied[]> {
    return this.call('DELETE', `/v1/services/${encodeURIComponent(name)}`);
  }

  run(req: { name?: string; argv: readonly string[]; cwd: string; env: Record<string, string> }): Promise<ActionOutcome> {
    return this.call('POST', '/v1/run', req);
  }

  trigger(service: string): Promise<ActionOutcome> {
    return this.call('POST', '/v1/trigger', { service });
  }

  graph(): Promise<GraphResult> {
    return this.call('GET', '/v1/graph');
  }

  upgrade(): Promise<unknown> {
    return this.call('POST', '/v1/upgrade');
  }

  grant(caveats: readonly unknown[], note = ''): Promise<{ id: string; token: string }> {
    return this.call('POST', '/v1/caps/grant', { caveats, note });
  }

  grants(): Promise<unknown[]> {
    return this.call('GET', '/v1/caps');
  }

  revoke(id: string): Promise<{ id: string; revoked: boolean }> {
    return this.call('POST', '/v1/caps/revoke', { id });
  }

  access(): Promise<AccessResult> {
    return this.call('GET', '/v1/access');
  }

  usage(): Promise<UsageSample> {
    return this.call('GET', '/v1/usage');
  }

  /** Resource-use samples every couple of seconds (the daemon samples only while someone follows). */
  followUsage(on: (u: UsageSample) => void, signal?: AbortSignal): Promise<void> {
    return this.stream('/v1/usage?follow=1', (_e, d) => on(d as UsageSample), signal);
  }

  /** The Prometheus text exposition. */
  async metrics(): Promise<string> {
    const reply = await unixRequest(this.socket, 'GET', '/v1/metrics', this.#auth());
    const text = reply.body.toString('utf8');
    if (reply.status === 200) return text;
    let env: Envelope<unknown> | null = null;
    try {
      env = JSON.parse(text) as Envelope<unknown>;
    } catch {
      // not an envelope
    }
    if (env && !env.ok) throw new KelpieError(env.error.code as ErrorCode, env.error.message, env.error.hint);
    throw new KelpieError('KELPIE_E_INTERNAL', `HTTP ${reply.status}`);
  }

  dashboard(): Promise<DashboardLink> {
    return this.call('POST', '/v1/dashboard', {});
  }

  /** Starts an ordered shutdown. A controller older than ShutdownPlan replies only `shutting_down`. */
  shutdown(): Promise<Partial<ShutdownPlan> & { shutting_down: true }> {
    return this.call('POST', '/v1/shutdown');
  }
}
