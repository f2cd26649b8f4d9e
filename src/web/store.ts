// What the page knows, kept live: status (refetched after each event), resource use (its own
// stream), the recent events, and what the capability allows. Views subscribe to changes.
import type { AccessResult, KelpieEvent, ServiceSummary, StatusResult, UsageSample } from '../protocol/api.js';
import { get } from './api.js';

type Listener = () => void;

/** The page's live copy of the daemon's state. */
export class Store {
  status: StatusResult | null = null;
  usage: UsageSample | null = null;
  access: AccessResult | null = null;
  events: KelpieEvent[] = [];
  connected: 'connecting' | 'live' | 'lost' = 'connecting';
  #lastSeq = 0;
  #listeners = new Set<Listener>();
  #refetch: number | null = null;
  #eventSource: EventSource | null = null;
  #usageSource: EventSource | null = null;

  on(f: Listener): () => void {
    this.#listeners.add(f);
    return () => this.#listeners.delete(f);
  }

  changed(): void {
    for (const f of this.#listeners) f();
  }

  service(name: string): ServiceSummary | undefined {
    return this.status?.services.find((s) => s.name === name);
  }

  can(name: string, action: string): boolean {
    return (this.access?.services[name] ?? []).some((a) => a === action);
  }

  async load(): Promise<void> {
    this.access = await get<AccessResult>('/v1/access');
    this.status = await get<StatusResult>('/v1/status');
    this.changed();
    this.#connect();
  }

  /** Status and access as they are now; rejects when they cannot be had. */
  async #fetch(): Promise<StatusResult> {
    const [status, access] = await Promise.all([get<StatusResult>('/v1/status'), get<AccessResult>('/v1/access')]);
    this.status = status;
    this.access = access;
    this.changed();
    return status;
  }

  /** After a reconnect: the status as it is now, and the events from there on (none older,
   *  which would show a row as it was before this status). `event_seq` is the answering
   *  controller's own: a new one (crash, upgrade) counts from 1 again. */
  async #resync(): Promise<void> {
    const status = await this.#fetch();
    this.#lastSeq = status.daemon.event_seq ?? this.#lastSeq;
  }

  #connect(): void {
    const es = new EventSource(`/v1/events?after=${this.#lastSeq}`);
    this.#eventSource = es;
    es.addEventListener('open', () => {
      this.connected = 'live';
      this.changed();
    });
    es.addEventListener('event', (m) => this.#onEvent(JSON.parse((m as MessageEvent<string>).data) as KelpieEvent));
    es.addEventListener('error', () => {
      // The stream ended or broke: reconnect by hand, with `after` as it is then (the browser
      // would retry the URL it has, with the `after` of the first connect).
      this.close();
      this.connected = 'connecting';
      this.changed();
      void this.#reconnect();
    });
    const us = new EventSource('/v1/usage?follow=1');
    this.#usageSource = us;
    us.addEventListener('usage', (m) => {
      this.usage = JSON.parse((m as MessageEvent<string>).data) as UsageSample;
      this.changed();
    });
  }

  #onEvent(e: KelpieEvent): void {
    if (e.seq <= this.#lastSeq) return; // replayed after a reconnect
    this.#lastSeq = e.seq;
    this.events = [e, ...this.events].slice(0, 500);
    // Show the new state at once; the refetch fills in the rest (restarts, readiness, …).
    const s = e.service && e.state ? this.service(e.service) : undefined;
    if (s && this.status && e.state) {
      const row = { ...s, state: e.state, since: e.at, pid: e.pid === undefined ? s.pid : e.pid };
      this.status = { ...this.status, services: this.status.services.map((x) => (x.name === row.name ? row : x)) };
    }
    this.changed();
    if (this.#refetch === null) {
      this.#refetch = window.setTimeout(() => {
        this.#refetch = null;
        void this.refresh();
      }, 100);
    }
  }

  #reconnecting = false;

  /**
   * After a stream error: wait for kelpie to answer again (a new controller after a crash or
   * an upgrade reopens this listener and keeps its sessions), then reconnect. A refusal means
   * the session is gone (revoked, or kelpie was started afresh): then the page says so. So
   * does a kelpie that has not answered for two minutes.
   */
  async #reconnect(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    try {
      for (const end = Date.now() + 120_000; Date.now() < end; ) {
        let status = 0;
        try {
          status = (await fetch('/v1/access', { credentials: 'same-origin' })).status;
        } catch {
          status = 0; // not listening (yet)
        }
        if (status === 401 || status === 403) break;
        if (status === 200) {
          const synced = await this.#resync().then(() => true, () => false); // false: gone again meanwhile
          if (synced) {
            this.#connect();
            return;
          }
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      this.connected = 'lost';
      this.changed();
    } finally {
      this.#reconnecting = false;
    }
  }

  async refresh(): Promise<void> {
    // On failure, the stream's error handler shows the connection state.
    await this.#fetch().catch(() => {});
  }

  close(): void {
    this.#eventSource?.close();
    this.#usageSource?.close();
  }
}
