// The receiving end of systemd's sd_notify protocol: one AF_UNIX SOCK_DGRAM socket per
// channel (per service), so the socket a message arrives on names its service. Each datagram
// is one message of newline-separated KEY=VALUE lines; the kernel attaches the sender's
// pid/uid/gid. Any fds a sender passes (BARRIER=1, FDSTORE=1) are closed as soon as its
// message is handled: `systemd-notify --ready` blocks until its BARRIER fd is closed.
// Readability comes from the shared Poller (a worker thread in epoll_wait); reading happens
// here, on the main thread, with non-blocking recvmsg (UnixDgram).
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Poller, type PollHandle, type PollerOptions } from './poller.js';
import { UnixDgram } from './unix-dgram.js';

/** Datagrams read per wakeup before yielding to the event loop (the poller re-reports). */
const BATCH = 256;

/** One datagram received on a notify socket. */
export interface NotifyMessage {
  /** KEY=VALUE assignments; for a repeated key the last value wins. */
  readonly fields: ReadonlyMap<string, string>;
  /** The datagram as text (UTF-8), for lines that are not assignments. */
  readonly raw: string;
  /** Sender credentials from the kernel (SCM_CREDENTIALS); null if none came. */
  readonly pid: number | null;
  readonly uid: number | null;
  readonly gid: number | null;
  /** How many fds came with it (all already closed). */
  readonly fds: number;
}

export interface NotifyChannel {
  /** The socket path to export as NOTIFY_SOCKET. */
  readonly path: string;
  /** The socket's fd (close-on-exec; never inherited by services). */
  readonly fd: number;
  readonly closed: boolean;
  /** Datagrams dropped because they were longer than DGRAM_MAX (16 KiB). */
  readonly dropped: number;
  /** Stops receiving, closes the socket and removes its path. Idempotent. */
  close(): void;
}

export interface NotifyOpenOptions {
  /** chmod the socket after bind, e.g. 0o666 for a service running as another user. */
  readonly mode?: number;
}

/** Parses one sd_notify message: newline-separated KEY=VALUE; other lines are ignored. */
export function parseNotify(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return fields;
}

type Channel = NotifyChannel & { drop(): void };

/** Owns every notify socket of a process, read through one Poller. */
export class NotifyHub {
  readonly #dgram: UnixDgram;
  readonly #poller: Poller;
  readonly #channels = new Set<Channel>();
  readonly #onError: ((err: Error) => void) | undefined;
  #closed = false;

  /** A hub, or null where there is no FFI or epoll (the caller then offers no notify socket). */
  static create(opts: PollerOptions = {}): NotifyHub | null {
    const dgram = UnixDgram.create();
    if (!dgram) return null;
    const poller = Poller.create(opts);
    if (!poller) {
      dgram.free();
      return null;
    }
    return new NotifyHub(dgram, poller, opts.onError);
  }

  private constructor(dgram: UnixDgram, poller: Poller, onError: ((err: Error) => void) | undefined) {
    this.#dgram = dgram;
    this.#poller = poller;
    this.#onError = onError;
  }

  /** The hub's own fds (the poller's epoll set and eventfd); all close-on-exec. */
  get fds(): readonly number[] {
    return this.#poller.fds;
  }

  /** Open channels. While any is open, the process stays alive (like a listening server). */
  get size(): number {
    return this.#channels.size;
  }

  /**
   * Binds a datagram socket at `path` (absolute, at most 107 bytes) and calls `onMessage` for
   * every non-empty datagram. A stale socket at `path` is replaced; any other file is an error.
   */
  open(path: string, onMessage: (msg: NotifyMessage) => void, opts: NotifyOpenOptions = {}): NotifyChannel {
    if (this.#closed) throw new Error('notify hub is closed');
    if (!isAbsolute(path)) throw new Error(`notify socket path must be absolute: ${path}`);
    removeStaleSocket(path);
    const fd = this.#dgram.bind(path);
    let ino = -1;
    let handle: PollHandle;
    try {
      ino = lstatSync(path).ino;
      if (opts.mode !== undefined) chmodSync(path, opts.mode);
      handle = this.#poller.add(fd, () => this.#drain(channel, onMessage));
    } catch (err) {
      this.#dgram.close(fd);
      if (ino !== -1) unlinkOwn(path, ino);
      throw err;
    }
    let closed = false;
    let dropped = 0;
    const channel: Channel = {
      path,
      fd,
      get closed() {
        return closed;
      },
      get dropped() {
        return dropped;
      },
      drop: () => void dropped++,
      close: () => {
        if (closed) return;
        closed = true;
        this.#channels.delete(channel);
        handle.remove();
        this.#dgram.close(fd);
        unlinkOwn(path, ino);
      },
    };
    this.#channels.add(channel);
    return channel;
  }

  /** Closes every channel and stops the poller thread. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ch of [...this.#channels]) ch.close();
    this.#poller.close();
    this.#dgram.free();
  }

  #drain(ch: Channel, onMessage: (msg: NotifyMessage) => void): void {
    for (let i = 0; i < BATCH && !ch.closed; i++) {
      let d;
      try {
        // Passed fds are closed once the message is handled, not before: systemd-notify waits
        // for its BARRIER=1 fd to close and then exits, and the handler may still look the
        // sender up in /proc.
        d = this.#dgram.recv(ch.fd, { keepFds: true });
      } catch (err) {
        this.#onError?.(err as Error);
        return;
      }
      if (!d) return;
      try {
        if (d.truncated) ch.drop();
        if (d.truncated || d.text === '') continue;
        onMessage({ fields: parseNotify(d.text), raw: d.text, pid: d.pid, uid: d.uid, gid: d.gid, fds: d.fds });
      } catch (err) {
        this.#onError?.(err instanceof Error ? err : new Error(String(err)));
      } finally {
        for (const f of d.kept) this.#dgram.close(f);
      }
    }
  }
}

/** Unlinks `path` only if it is still the socket we bound (same inode). */
function unlinkOwn(path: string, ino: number): void {
  try {
    if (lstatSync(path).ino === ino) unlinkSync(path);
  } catch {
    // already gone
  }
}

function removeStaleSocket(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) {
    const err: NodeJS.ErrnoException = new Error(`cannot create notify socket ${path}: a file that is not a socket is in the way`);
    err.code = 'EEXIST';
    throw err;
  }
  unlinkSync(path);
}
