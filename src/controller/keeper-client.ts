// The controller's side of the keeper link: requests with ids over the IPC channel, and
// the keeper's events handed to a listener.
import type { FromKeeper, SpawnRequest, ToKeeper } from '../protocol/keeper.js';
import { busy } from '../os/quiet-gc.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Request = ToKeeper extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

export class KeeperClient {
  #next = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(private readonly onEvent: (msg: FromKeeper) => void) {
    if (!process.send) throw new Error('the controller must be started by a keeper (no IPC channel)');
    process.on('message', (m) => this.#receive(m as FromKeeper));
    // The keeper is gone: nothing to control any more. Services stay with whoever reaps them.
    process.on('disconnect', () => process.exit(0));
  }

  #receive(msg: FromKeeper): void {
    busy();
    if (msg.t === 'reply') {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(msg.error));
      return;
    }
    // Several messages can arrive in one read and are delivered in one tick. A reply's
    // continuation runs as a microtask, so events are queued as microtasks too: everything is
    // handled in the order the keeper sent it (a spawn is recorded before its exit or READY=1).
    queueMicrotask(() => this.onEvent(msg));
  }

  /** The keeper takes several signals in one message (its hello lists 'signals'). */
  batchSignals = false;
  #batch: Array<{ pid: number; signal: string; resolve: () => void; reject: (e: Error) => void }> = [];

  request<T = unknown>(req: Request): Promise<T> {
    // Signals asked for earlier go first: the keeper sees requests in the order they were made.
    if (this.#batch.length > 0) this.#sendBatch();
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      process.send?.({ ...req, id } as ToKeeper, undefined, {}, (err: Error | null) => {
        if (err) {
          this.#pending.delete(id);
          reject(err);
        }
      });
    });
  }

  spawn(req: SpawnRequest): Promise<{ pid: number; startTime: number; spawnedAt: string }> {
    return this.request({ t: 'spawn', req });
  }

  /**
   * Signals asked for in one turn of the event loop go to the keeper in one message: a stop of
   * a hundred services is one request, not a hundred (each a message both ways).
   */
  signal(pid: number, signal: string): Promise<void> {
    if (!this.batchSignals) return this.request({ t: 'signal', pid, signal });
    return new Promise<void>((resolve, reject) => {
      if (this.#batch.length === 0) setImmediate(() => this.#sendBatch());
      this.#batch.push({ pid, signal, resolve, reject });
    });
  }

  #sendBatch(): void {
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    this.request<Array<string | null>>({ t: 'signals', list: batch.map(({ pid, signal }) => ({ pid, signal })) }).then(
      (errors) => batch.forEach((b, i) => (errors[i] == null ? b.resolve() : b.reject(new Error(errors[i]!)))),
      (err: Error) => batch.forEach((b) => b.reject(err)),
    );
  }
}
