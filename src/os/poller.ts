// One poller for fds Node cannot watch itself (unix datagram sockets, pidfds): an epoll set
// that a worker thread waits on with a finite timeout, posting "readable" to the main thread,
// which does all the reading. Not koffi async calls: those pin a libuv threadpool thread each.
//
// Each fd is registered EPOLLIN|EPOLLONESHOT: reported once, then silent until the main
// thread has run its callback and re-armed it, so a slow main thread costs no wakeups.
// Re-arming a still-readable fd reports it again at once, so a callback may read only a
// bounded batch. An eventfd in the set wakes the worker to end; the finite timeout bounds how
// long a process exit can wait for the worker (Node joins worker threads on exit).
import { Worker } from 'node:worker_threads';
import { errnoError, lazyBindings } from './libc.js';

const EPOLLIN = 0x1;
const EPOLLONESHOT = 1 << 30;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
const O_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
/** epoll data value of the wake eventfd; watched fds get ids from 1. */
const WAKE = 0;

// struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16).
const EV_SIZE = process.arch === 'x64' ? 12 : 16;
const EV_DATA = process.arch === 'x64' ? 4 : 8;

// Runs in the worker (CommonJS, eval'd, so it needs no file next to the bundle).
const WORKER_SOURCE = `
const { parentPort, workerData: w } = require('node:worker_threads');
const koffi = require(w.koffiPath);
const lib = koffi.load('libc.so.6');
const epoll_wait = lib.func('int epoll_wait(int, void *, int, int)');
const MAX = 64;
const events = Buffer.alloc(w.evSize * MAX);
for (;;) {
  const n = epoll_wait(w.epfd, events, MAX, w.timeoutMs);
  if (n < 0) {
    const e = koffi.errno();
    if (e === 4 /* EINTR */) continue;
    parentPort.postMessage({ error: e });
    break;
  }
  const ids = [];
  let wake = false;
  for (let i = 0; i < n; i++) {
    const id = events.readUInt32LE(i * w.evSize + w.evData);
    if (id === ${WAKE}) wake = true;
    else ids.push(id);
  }
  if (ids.length > 0) parentPort.postMessage(ids);
  if (wake) break;
}
`;

/** Options of a poller; defaults suit a keeper. */
export interface PollerOptions {
  /** epoll_wait timeout of the worker, ms (bounds exit latency); default 1000, at most 1000. */
  readonly timeoutMs?: number;
  /** The worker failed; watched fds are no longer reported. */
  readonly onError?: (err: Error) => void;
}

/** One fd being watched. Remove it before closing the fd. */
export interface PollHandle {
  readonly fd: number;
  remove(): void;
}

interface Bindings {
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, ev: Buffer | null): number;
  eventfd(initval: number, flags: number): number;
  write(fd: number, buf: Buffer, len: number): number;
  close(fd: number): number;
  errno(): number;
  koffiPath: string;
}

const bind = lazyBindings<Bindings>(({ lib, koffi, koffiPath }) => ({
  epoll_create1: lib.func('int epoll_create1(int)'),
  epoll_ctl: lib.func('int epoll_ctl(int, int, int, void *)'),
  eventfd: lib.func('int eventfd(unsigned int, int)'),
  write: lib.func('int64_t write(int, const void *, size_t)'),
  close: lib.func('int close(int)'),
  errno: () => koffi.errno(),
  koffiPath,
}));

export class Poller {
  readonly #c: Bindings;
  readonly #epfd: number;
  readonly #wakefd: number;
  readonly #timeoutMs: number;
  readonly #onError: ((err: Error) => void) | undefined;
  readonly #watched = new Map<number, { fd: number; onReadable: () => void }>();
  readonly #ev = Buffer.alloc(EV_SIZE);
  readonly #onExit = (): void => this.#wake();
  #worker: Worker | null = null;
  #nextId = WAKE + 1;
  #closed = false;

  /** A poller, or null when there is no FFI or no epoll here. Starts no thread until `add`. */
  static create(opts: PollerOptions = {}): Poller | null {
    const c = bind();
    if (!c) return null;
    const epfd = c.epoll_create1(O_CLOEXEC);
    if (epfd < 0) return null;
    const wakefd = c.eventfd(0, O_CLOEXEC | EFD_NONBLOCK);
    if (wakefd < 0) {
      c.close(epfd);
      return null;
    }
    const p = new Poller(c, epfd, wakefd, opts);
    if (p.#ctl(EPOLL_CTL_ADD, wakefd, WAKE, EPOLLIN) !== 0) {
      c.close(wakefd);
      c.close(epfd);
      return null;
    }
    return p;
  }

  private constructor(c: Bindings, epfd: number, wakefd: number, opts: PollerOptions) {
    this.#c = c;
    this.#epfd = epfd;
    this.#wakefd = wakefd;
    this.#timeoutMs = Math.max(1, Math.min(1000, Math.floor(opts.timeoutMs ?? 1000)));
    this.#onError = opts.onError;
  }

  /** The poller's own fds (epoll set, wake eventfd); both close-on-exec. */
  get fds(): readonly number[] {
    return [this.#epfd, this.#wakefd];
  }

  /** Number of fds watched. The worker keeps the process alive only while this is > 0. */
  get size(): number {
    return this.#watched.size;
  }

  /**
   * Calls `onReadable` on the main thread whenever `fd` has data, until removed. The
   * callback should read until EAGAIN or a batch limit; it is re-armed after it returns.
   */
  add(fd: number, onReadable: () => void): PollHandle {
    if (this.#closed) throw new Error('poller is closed');
    const id = this.#nextId++;
    if (this.#ctl(EPOLL_CTL_ADD, fd, id, EPOLLIN | EPOLLONESHOT) !== 0) throw errnoError('epoll_ctl', this.#c.errno(), `fd ${fd}`);
    this.#watched.set(id, { fd, onReadable });
    this.#startWorker();
    this.#worker?.ref();
    return {
      fd,
      remove: () => {
        if (!this.#watched.delete(id)) return;
        this.#ctl(EPOLL_CTL_DEL, fd, id, 0);
        if (this.#watched.size === 0) this.#worker?.unref();
      },
    };
  }

  /** Stops watching everything and ends the worker promptly. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const { fd } of this.#watched.values()) this.#ctl(EPOLL_CTL_DEL, fd, 0, 0);
    this.#watched.clear();
    process.removeListener('exit', this.#onExit);
    const worker = this.#worker;
    if (!worker) return this.#closeFds();
    this.#wake();
    worker.unref();
    // The worker may still be inside epoll_wait on these fds: close them once it is gone.
    worker.once('exit', () => this.#closeFds());
  }

  #closeFds(): void {
    this.#c.close(this.#wakefd);
    this.#c.close(this.#epfd);
  }

  #startWorker(): void {
    if (this.#worker) return;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      stdout: false,
      stderr: false,
      workerData: { koffiPath: this.#c.koffiPath, epfd: this.#epfd, timeoutMs: this.#timeoutMs, evSize: EV_SIZE, evData: EV_DATA },
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    worker.on('message', (msg: number[] | { error: number }) => {
      if (Array.isArray(msg)) this.#dispatch(msg);
      else this.#fail(errnoError('epoll_wait', msg.error));
    });
    worker.on('error', (err) => this.#fail(err));
    worker.on('exit', () => {
      if (!this.#closed) this.#fail(new Error('poller worker exited'));
    });
    // Wake the worker at exit: Node joins it, and it would otherwise finish its timeout first.
    process.on('exit', this.#onExit);
    this.#worker = worker;
  }

  #dispatch(ids: number[]): void {
    for (const id of ids) {
      const w = this.#watched.get(id);
      if (!w) continue; // removed after the worker saw it readable
      try {
        w.onReadable();
      } catch (err) {
        this.#onError?.(err instanceof Error ? err : new Error(String(err)));
      }
      if (this.#watched.get(id) === w) this.#ctl(EPOLL_CTL_MOD, w.fd, id, EPOLLIN | EPOLLONESHOT);
    }
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#onError?.(err);
  }

  #wake(): void {
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    this.#c.write(this.#wakefd, one, 8);
  }

  #ctl(op: number, fd: number, id: number, events: number): number {
    const ev = this.#ev;
    ev.fill(0);
    ev.writeUInt32LE(events >>> 0, 0);
    ev.writeUInt32LE(id, EV_DATA);
    return this.#c.epoll_ctl(this.#epfd, op, fd, op === EPOLL_CTL_DEL ? null : ev);
  }
}
