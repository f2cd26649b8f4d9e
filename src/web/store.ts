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

  #connect(): void {
    const es = new EventSource(`/v1/events?after=${this.#lastSeq}`);
    this.#eventSource = es;
    es.addEventListener('open', () => {
      this.connected = 'live';
      this.changed();
    });
    es.addEventListener('event', (m) => this.#onEvent(JSON.parse((m as MessageEvent<string>).data) as KelpieEvent));
    es.addEventListener('error', () => {
      this.connected = es.readyState === EventSource.CLOSED ? 'lost' : 'connecting';
      this.changed();
      void this.#stillThere();
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

  /** After a stream error: is this session still served? A new controller (after a crash or
   *  an upgrade) has neither this listener's port nor its sessions: then stop retrying. */
  async #stillThere(): Promise<void> {
    let ok = false;
    try {
      ok = (await fetch('/v1/access', { credentials: 'same-origin' })).ok;
    } catch {
      ok = false;
    }
    if (ok) return;
    this.close();
    this.connected = 'lost';
    this.changed();
  }

  async refresh(): Promise<void> {
    try {
      const [status, access] = await Promise.all([get<StatusResult>('/v1/status'), get<AccessResult>('/v1/access')]);
      this.status = status;
      this.access = access;
      this.changed();
    } catch {
      // the stream's error handler shows the connection state
    }
  }

  close(): void {
    this.#eventSource?.close();
    this.#usageSource?.close();
  }
}
