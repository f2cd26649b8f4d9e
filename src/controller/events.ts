// The event history (bounded ring) and its live subscribers (SSE streams).
import type { KelpieEvent } from '../protocol/api.js';

const KEEP = 1000;

export class EventBus {
  #seq = 0;
  #ring: KelpieEvent[] = [];
  readonly #subs = new Set<(e: KelpieEvent) => void>();

  emit(e: Omit<KelpieEvent, 'seq' | 'at'> & { at?: string }): KelpieEvent {
    const ev: KelpieEvent = { ...e, seq: ++this.#seq, at: e.at ?? new Date().toISOString() };
    this.#ring.push(ev);
    if (this.#ring.length > KEEP) this.#ring.shift();
    for (const f of this.#subs) {
      try {
        f(ev);
      } catch {
        // a subscriber's failure is its own
      }
    }
    return ev;
  }

  /** The sequence number of the latest event (0 before the first). */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Events after `seq` still in the ring. */
  since(seq: number): KelpieEvent[] {
    return this.#ring.filter((e) => e.seq > seq);
  }

  subscribe(f: (e: KelpieEvent) => void): () => void {
    this.#subs.add(f);
    return () => this.#subs.delete(f);
  }
}
