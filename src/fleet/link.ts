// One link to a remote node: a pinned TLS client holding the node's capability, and the node's
// event stream, which pushes every state change of its services here (no polling while idle;
// the node sends a heartbeat, and three missed beats mean the node is unreachable). When the
// link drops, the proxies become `unreachable` and the link reconnects with back-off; when the
// node answers again, its current states are read and mirrored: nothing is restarted.
import { Client } from '../client/client.js';
import { heartbeatMs } from '../api/http.js';
import type { FleetNode, KelpieEvent, ServiceState, StatusResult } from '../protocol/api.js';
import { KelpieError } from '../protocol/errors.js';
import { describeCapUrl, type CapUrl } from './url.js';

/** What a link tells the proxies of its node. */
export interface Mirror {
  /** The remote service's state changed (or the link came up and read it). */
  mirror(state: ServiceState, reason: string | null): void;
  /** The node is unreachable (or refuses the capability): `state` says which. */
  lost(state: 'unreachable' | 'failed', why: string): void;
  readonly name: string;
  readonly remoteService: string;
}

type Known = { name: string; state: ServiceState; since: string; reason: string | null };

/** Reconnect delays: 200 ms doubling to KELPIE_FLEET_BACKOFF_MAX_MS (default 10 s). */
function backoffMax(env = process.env): number {
  const v = Number(env.KELPIE_FLEET_BACKOFF_MAX_MS);
  return Number.isInteger(v) && v >= 100 ? v : 10_000;
}

export class NodeLink {
  client: Client;
  state: FleetNode['link'] = 'connecting';
  error: string | null = null;
  since = new Date().toISOString();
  readonly #mirrors = new Set<Mirror>();
  readonly #known = new Map<string, Known>();
  #ac: AbortController | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #closed = false;
  #firstTry: Array<() => void> = [];

  constructor(
    readonly name: string,
    public url: CapUrl,
    private readonly home: string,
    private readonly say: (text: string) => void,
  ) {
    this.client = new Client(home, { remote: url });
  }

  /** A new URL for this node (a reload changed [remotes]): reconnect with it now. */
  retarget(url: CapUrl): void {
    if (url.fingerprint === this.url.fingerprint && url.host === this.url.host && url.port === this.url.port && url.token === this.url.token) return;
    this.url = url;
    this.client = new Client(this.home, { remote: url });
    this.#ac?.abort();
    this.#ac = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#attempt = 0;
    this.state = 'connecting';
    this.open();
  }

  attach(m: Mirror): void {
    this.#mirrors.add(m);
    const k = this.#known.get(m.remoteService);
    if (this.state === 'up') {
      if (k) m.mirror(k.state, k.reason);
      else m.lost('failed', this.#missing(m.remoteService));
    }
  }

  detach(m: Mirror): void {
    this.#mirrors.delete(m);
  }

  /** Resolves once the first connection attempt has ended (up or not), or after `ms`. */
  settled(ms = 15_000): Promise<void> {
    if (this.state !== 'connecting') return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#firstTry.push(() => (clearTimeout(t), resolve()));
    });
  }

  #settle(): void {
    const w = this.#firstTry;
    this.#firstTry = [];
    for (const f of w) f();
  }

  get proxies(): number {
    return this.#mirrors.size;
  }

  /** Connects (again) now; called once, then the link keeps itself up. */
  open(): void {
    if (this.#closed || this.#ac) return;
    this.#ac = new AbortController();
    void this.#run(this.#ac.signal);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#ac?.abort();
  }

  async #run(signal: AbortSignal): Promise<void> {
    let why: string;
    let refused = false;
    try {
      const status = await this.client.call<StatusResult>('GET', '/v1/status');
      if (signal.aborted) return;
      this.#known.clear();
      for (const s of status.services) this.#known.set(s.name, { name: s.name, state: s.state, since: s.since, reason: s.reason });
      this.#up(status);
      // Everything after the status just read comes through the stream; nothing is missed between.
      let revoked: string | null = null;
      await this.client.stream(`/v1/events?after=${status.daemon.event_seq ?? 0}`, (event, data) => {
        if (event === 'revoked') revoked = (data as { message?: string }).message ?? 'the capability was revoked';
        if (event === 'event') this.#event(data as KelpieEvent);
      }, signal, { idleMs: 3 * heartbeatMs() });
      if (signal.aborted) return;
      refused = revoked !== null;
      why = revoked ?? 'the node closed the event stream';
    } catch (err) {
      if (signal.aborted) return;
      const e = err as KelpieError;
      refused = e instanceof KelpieError && (e.code === 'KELPIE_E_IDENTITY' || e.code === 'KELPIE_E_UNAUTHORIZED' || e.code === 'KELPIE_E_FORBIDDEN');
      why = e.message;
    }
    this.#down(refused, why);
  }

  #up(status: StatusResult): void {
    const was = this.state;
    this.state = 'up';
    this.error = null;
    this.since = new Date().toISOString();
    this.#attempt = 0;
    this.say(`fleet: node ${this.name} (${describeCapUrl(this.url)}) ${was === 'connecting' ? 'connected' : 'reachable again'}; ${status.services.length} service(s) visible`);
    for (const m of this.#mirrors) {
      const k = this.#known.get(m.remoteService);
      if (k) m.mirror(k.state, k.reason);
      else m.lost('failed', this.#missing(m.remoteService));
    }
    this.#settle();
  }

  #missing(service: string): string {
    return `node ${this.name} has no service "${service}" that this capability may see`;
  }

  #event(e: KelpieEvent): void {
    if (e.service === null) return;
    if (e.type === 'removed') {
      this.#known.delete(e.service);
      for (const m of this.#mirrors) if (m.remoteService === e.service) m.lost('failed', this.#missing(e.service));
      return;
    }
    if (e.type !== 'state' || e.state === undefined) return;
    const reason = e.message ?? null;
    this.#known.set(e.service, { name: e.service, state: e.state, since: e.at, reason });
    for (const m of this.#mirrors) if (m.remoteService === e.service) m.mirror(e.state, reason);
  }

  #down(refused: boolean, why: string): void {
    this.#ac = null;
    const state = refused ? 'refused' : 'unreachable';
    if (this.state !== state || this.error !== why) {
      this.say(`fleet: node ${this.name} ${refused ? 'refuses us' : 'unreachable'}: ${why}`);
      this.since = new Date().toISOString();
    }
    this.state = state;
    this.error = why;
    for (const m of this.#mirrors) m.lost(refused ? 'failed' : 'unreachable', `node ${this.name}: ${why}`);
    this.#settle();
    if (this.#closed) return;
    // A refusal will not change by itself soon: retry at the slowest pace.
    const delay = refused ? backoffMax() : Math.min(backoffMax(), 200 * 2 ** Math.min(this.#attempt++, 16));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.open();
    }, delay);
  }

  /** What `GET /v1/fleet` shows of this node. */
  view(): FleetNode {
    return {
      name: this.name,
      where: describeCapUrl(this.url),
      fingerprint: this.url.fingerprint,
      link: this.state,
      error: this.error,
      since: this.since,
      proxies: [...this.#mirrors].map((m) => ({ name: m.name, service: m.remoteService })),
      services: [...this.#known.values()],
    };
  }
}
