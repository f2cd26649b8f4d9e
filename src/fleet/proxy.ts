// A remote service's local stand-in (`remote = { node, service }`). It has no process: start
// and stop are requests to the node, made with the capability in the node's URL, and its
// state is the remote one, pushed by the node's event stream through the link. When the node
// cannot be reached it is `unreachable` (not `failed`: the service may well be running there).
import type { ServiceSpec } from '../config/types.js';
import { heartbeatMs } from '../api/http.js';
import type { ActionOutcome, LogEntry, ServiceState } from '../protocol/api.js';
import { KelpieError } from '../protocol/errors.js';
import { Service, type Outcome, type ServiceHost } from '../service/service.js';
import type { SvcEvent } from '../service/events.js';
import type { Mirror, NodeLink } from './link.js';

const UP_OK = new Set<ServiceState>(['running', 'done']);

export class RemoteService extends Service implements Mirror {
  readonly remoteService: string;
  readonly node: string;
  #spawnWaiters: Array<(o: Outcome) => void> = [];

  constructor(spec: ServiceSpec, host: ServiceHost, readonly link: NodeLink | null, private readonly unknownNode: string) {
    super(spec, host);
    this.remoteService = spec.remote!.service;
    this.node = spec.remote!.node;
  }

  /** Hooks the proxy to its link (after the controller restored its persisted state). */
  attach(): void {
    if (this.link) this.link.attach(this);
    else this.lost('failed', this.unknownNode);
  }

  mirror(state: ServiceState, reason: string | null): void {
    const why = reason ? `on node ${this.node}: ${reason}` : null;
    if (state === this.state && why === this.reason) return;
    if (this.state !== 'disabled') this.go(state, why);
    if (UP_OK.has(state)) this.#settleSpawned({ ok: true, state, message: state });
  }

  lost(state: 'unreachable' | 'failed', why: string): void {
    if (this.state === 'disabled' || (this.state === state && this.reason === why)) return;
    this.go(state, why);
    this.#settleSpawned({ ok: false, state, message: why });
  }

  #settleSpawned(o: Outcome): void {
    const w = this.#spawnWaiters;
    this.#spawnWaiters = [];
    for (const f of w) f(o);
  }

  override dispatch(ev: SvcEvent): void {
    // The orchestrator's events; a proxy has no process, so no others reach it.
    switch (ev.type) {
      case 'wait':
        if (this.state !== 'disabled') this.go('waiting', `waiting for ${ev.on}`);
        return;
      case 'deps-failed':
        this.go('failed', ev.why);
        return;
      case 'disable':
        this.go('disabled', null);
        return;
      case 'enable':
        if (this.state === 'disabled') this.go('stopped', null);
        return;
      default:
        return;
    }
  }

  override start(): Promise<Outcome> {
    if (this.state === 'disabled') return Promise.resolve({ ok: false, state: this.state, message: `service ${this.name} is disabled` });
    return this.#act('start');
  }

  override stop(): Promise<Outcome> {
    if (this.state === 'disabled') return Promise.resolve({ ok: true, state: this.state, message: 'disabled' });
    return this.#act('stop');
  }

  /** A restart is one request to the node (a restart-only capability can do it), not stop + start. */
  restartInPlace(): Promise<Outcome> {
    if (this.state === 'disabled') return Promise.resolve({ ok: false, state: this.state, message: `service ${this.name} is disabled` });
    return this.#act('restart');
  }

  /**
   * `kelpie signal` of the proxy: the same request to the node, for its service, with the
   * capability of the URL (which must allow `signal` there). Rejects with the node's own error,
   * prefixed with where it came from.
   */
  async signalRemote(signal: string): Promise<void> {
    const link = await this.#upLink();
    this.note(`${signal} to ${this.remoteService} on node ${this.node}`);
    await this.#fromNode(link.client.call('POST', '/v1/signal', { service: this.remoteService, signal }));
  }

  /** The last `n` lines of the service on its node, named as this proxy. */
  async remoteLogs(n: number): Promise<LogEntry[]> {
    const link = await this.#upLink();
    const lines = await this.#fromNode(link.client.logs([this.remoteService], n));
    return lines.map((l) => ({ ...l, service: this.name }));
  }

  /**
   * `kelpie logs -f` of the proxy: the node's tail and live lines, named as this proxy.
   * Resolves once the node's stream is open (rejects with the node's refusal); `ended` is
   * called when that stream ends without `signal` (the node went away or stopped it).
   */
  async followRemote(n: number, f: (l: LogEntry) => void, signal: AbortSignal, ended: (why: string) => void): Promise<void> {
    const link = await this.#upLink();
    await new Promise<void>((resolve, reject) => {
      let open = false;
      const done = link.client.followLogs([this.remoteService], n, (l) => f({ ...l, service: this.name }), signal, {
        idleMs: 3 * heartbeatMs(),
        opened: () => {
          open = true;
          resolve();
        },
      });
      void this.#fromNode(done).then(
        () => (open ? !signal.aborted && ended(`node ${this.node} ended the log stream`) : resolve()),
        (err: Error) => (open ? ended(err.message) : reject(err)),
      );
    });
  }

  async #upLink(): Promise<NodeLink> {
    const link = this.link;
    if (!link) throw new KelpieError('KELPIE_E_UNREACHABLE', this.unknownNode);
    await link.settled();
    if (link.state !== 'up') throw new KelpieError('KELPIE_E_UNREACHABLE', `node ${this.node} is ${link.state}${link.error ? `: ${link.error}` : ''}`);
    return link;
  }

  /** A request to the node; its error, prefixed with where it came from. */
  async #fromNode<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof KelpieError) throw new KelpieError(err.code, `node ${this.node}: ${err.message}`, err.hint);
      throw new KelpieError('KELPIE_E_UNREACHABLE', `node ${this.node}: ${(err as Error).message}`);
    }
  }

  override whenSpawned(): Promise<Outcome> {
    if (UP_OK.has(this.state)) return Promise.resolve({ ok: true, state: this.state, message: this.state });
    return new Promise((resolve) => this.#spawnWaiters.push(resolve));
  }

  async #act(action: 'start' | 'stop' | 'restart'): Promise<Outcome> {
    const link = this.link;
    if (!link) return { ok: false, state: this.state, message: this.unknownNode };
    await link.settled(); // a link just made (boot, reload) gets its first try
    if (link.state !== 'up') {
      return { ok: false, state: this.state, message: `node ${this.node} is ${link.state}${link.error ? `: ${link.error}` : ''}` };
    }
    this.note(`${action} ${this.remoteService} on node ${this.node}`);
    try {
      const outcomes = await link.client.call<ActionOutcome[]>('POST', `/v1/${action}`, { services: [this.remoteService], wait: true });
      const o = outcomes.find((x) => x.name === this.remoteService) ?? outcomes[0];
      if (!o) return { ok: false, state: this.state, message: `node ${this.node} did not report on ${this.remoteService}` };
      if (o.state !== this.state) this.mirror(o.state, o.ok ? null : o.message);
      return { ok: o.ok, state: this.state, message: `on node ${this.node}: ${o.message}` };
    } catch (err) {
      const e = err as Error;
      const code = err instanceof KelpieError ? ` (${err.code})` : '';
      return { ok: false, state: this.state, message: `node ${this.node} refused or failed the ${action}: ${e.message}${code}` };
    }
  }

  override dispose(): void {
    this.link?.detach(this);
    super.dispose();
  }
}
