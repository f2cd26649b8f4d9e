// AF_UNIX SOCK_DGRAM receiving through koffi (Node has no unix datagram sockets): bind a
// non-blocking, close-on-exec socket with SO_PASSCRED, and read one datagram at a time with
// recvmsg into a fixed native area, returning the text, the sender's credentials
// (SCM_CREDENTIALS) and how many fds came along (SCM_RIGHTS) — those are closed at once.
// Fds that do not fit the control buffer are never installed (the kernel drops them).
// Layouts are LP64 little-endian Linux (x86-64, arm64).
import { errnoError, ffi, lazyBindings } from './libc.js';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_PASSCRED = 16;
const SCM_RIGHTS = 1;
const SCM_CREDENTIALS = 2;
const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
const MSG_CMSG_CLOEXEC = 0x40000000;
const EAGAIN = 11;
const EINTR = 4;
const SUN_PATH_MAX = 108;

// The receive area: msghdr, iovec, control buffer, data buffer.
const MSGHDR = 0; // name@0 namelen@8 iov@16 iovlen@24 control@32 controllen@40 flags@48
const IOVEC = 64; // base@0 len@8
const CONTROL = 128;
const CONTROL_SIZE = 4096; // credentials + up to ~1000 passed fds
const DATA = CONTROL + CONTROL_SIZE;
/** Largest datagram read whole; longer ones come back `truncated`. */
export const DGRAM_MAX = 16384;
const AREA = DATA + DGRAM_MAX;

/** One datagram. */
export interface Datagram {
  /** The payload as UTF-8 (empty for a zero-length datagram). */
  readonly text: string;
  /** Longer than DGRAM_MAX: `text` is cut short. */
  readonly truncated: boolean;
  /** Sender credentials from the kernel; null when none came with the datagram. */
  readonly pid: number | null;
  readonly uid: number | null;
  readonly gid: number | null;
  /** How many fds came with it (SCM_RIGHTS). They are closed already, unless recv() was
   *  asked to keep them: then they are in `kept` (close-on-exec), for the caller to close. */
  readonly fds: number;
  readonly kept: readonly number[];
}

interface Bindings {
  socket(domain: number, type: number, proto: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, val: Buffer, len: number): number;
  recvmsg(fd: number, msg: unknown, flags: number): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, alen: number): number;
  close(fd: number): number;
  errno(): number;
  koffi: NonNullable<ReturnType<typeof ffi>>['koffi'];
}

const load = lazyBindings<Bindings>(({ lib, koffi }) => ({
  socket: lib.func('int socket(int, int, int)'),
  bind: lib.func('int bind(int, const void *, uint32_t)'),
  setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
  recvmsg: lib.func('int64_t recvmsg(int, void *, int)'),
  sendto: lib.func('int64_t sendto(int, const void *, size_t, int, const void *, uint32_t)'),
  close: lib.func('int close(int)'),
  errno: () => koffi.errno(),
  koffi,
}));

/** Binds and reads unix datagram sockets. One instance owns one native receive area. */
export class UnixDgram {
  readonly #c: Bindings;
  readonly #ptr: unknown;
  readonly #view: DataView;
  readonly #bytes: Buffer;
  #freed = false;

  /** null when there is no FFI (not Linux, or koffi missing). */
  static create(): UnixDgram | null {
    const c = load();
    return c ? new UnixDgram(c) : null;
  }

  private constructor(c: Bindings) {
    this.#c = c;
    this.#ptr = c.koffi.alloc('uint8_t', AREA);
    const ab = c.koffi.view(this.#ptr, AREA);
    this.#view = new DataView(ab);
    this.#bytes = Buffer.from(ab);
    this.#bytes.fill(0, 0, CONTROL);
    const base = c.koffi.address(this.#ptr);
    const v = this.#view;
    v.setBigUint64(MSGHDR + 16, base + BigInt(IOVEC), true);
    v.setBigUint64(MSGHDR + 24, 1n, true);
    v.setBigUint64(MSGHDR + 32, base + BigInt(CONTROL), true);
    v.setBigUint64(IOVEC, base + BigInt(DATA), true);
    v.setBigUint64(IOVEC + 8, BigInt(DGRAM_MAX), true);
  }

  /**
   * A new socket bound at `path` (which must not exist), non-blocking, close-on-exec, with
   * SO_PASSCRED. Throws with the errno name as code (ENAMETOOLONG past 107 bytes).
   */
  bind(path: string): number {
    const addr = sockaddrUn(path);
    const c = this.#c;
    const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw errnoError('socket', c.errno());
    const one = Buffer.alloc(4);
    one.writeInt32LE(1);
    let err: Error | null = null;
    if (c.setsockopt(fd, SOL_SOCKET, SO_PASSCRED, one, 4) !== 0) err = errnoError('setsockopt', c.errno(), 'SO_PASSCRED');
    else if (c.bind(fd, addr, addr.length) !== 0) err = errnoError('bind', c.errno(), path);
    if (err) {
      c.close(fd);
      throw err;
    }
    return fd;
  }

  /** Sends one datagram to the socket at `path` (an sd_notify client); throws on failure. */
  static send(path: string, text: string): void {
    const c = load();
    if (!c) throw new Error('no FFI: cannot send a unix datagram');
    // A leading '@' names an abstract socket (systemd may use one).
    const addr = path.startsWith('@') ? abstractAddr(path.slice(1)) : sockaddrUn(path);
    const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw errnoError('socket', c.errno());
    try {
      const buf = Buffer.from(text);
      if (c.sendto(fd, buf, buf.length, 0, addr, addr.length) < 0) throw errnoError('sendto', c.errno(), path);
    } finally {
      c.close(fd);
    }
  }

  /** Reads one datagram; null when none is waiting. Throws on other errors. */
  recv(fd: number, opts: { keepFds?: boolean } = {}): Datagram | null {
    if (this.#freed) throw new Error('receive area freed');
    const c = this.#c;
    const v = this.#view;
    for (;;) {
      v.setBigUint64(MSGHDR + 40, BigInt(CONTROL_SIZE), true);
      v.setInt32(MSGHDR + 48, 0, true);
      const n = c.recvmsg(fd, this.#ptr, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (n < 0) {
        const e = c.errno();
        if (e === EINTR) continue;
        if (e === EAGAIN) return null;
        throw errnoError('recvmsg', e);
      }
      const flags = v.getInt32(MSGHDR + 48, true);
      const ctl = this.#control(Number(v.getBigUint64(MSGHDR + 40, true)), opts.keepFds === true);
      return { text: this.#bytes.toString('utf8', DATA, DATA + Math.min(n, DGRAM_MAX)), truncated: (flags & MSG_TRUNC) !== 0, ...ctl };
    }
  }

  close(fd: number): void {
    this.#c.close(fd);
  }

  /** Releases the native area; recv() fails afterwards. Idempotent. */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#c.koffi.free(this.#ptr);
  }

  /** Walks the control messages: returns the credentials, closes every passed fd (or keeps it). */
  #control(len: number, keep: boolean): Pick<Datagram, 'pid' | 'uid' | 'gid' | 'fds' | 'kept'> {
    const v = this.#view;
    const out = { pid: null as number | null, uid: null as number | null, gid: null as number | null, fds: 0, kept: [] as number[] };
    let off = 0;
    while (off + 16 <= len) {
      const cmsgLen = Number(v.getBigUint64(CONTROL + off, true));
      if (cmsgLen < 16 || off + cmsgLen > len) break;
      const level = v.getInt32(CONTROL + off + 8, true);
      const type = v.getInt32(CONTROL + off + 12, true);
      const data = CONTROL + off + 16;
      if (level === SOL_SOCKET && type === SCM_CREDENTIALS && cmsgLen >= 16 + 12) {
        out.pid = v.getInt32(data, true);
        out.uid = v.getUint32(data + 4, true);
        out.gid = v.getUint32(data + 8, true);
      } else if (level === SOL_SOCKET && type === SCM_RIGHTS) {
        for (let p = data; p + 4 <= CONTROL + off + cmsgLen; p += 4) {
          const passed = v.getInt32(p, true);
          if (keep) out.kept.push(passed);
          else this.#c.close(passed);
          out.fds++;
        }
      }
      off += (cmsgLen + 7) & ~7;
    }
    return out;
  }
}

function sockaddrUn(path: string): Buffer {
  const p = Buffer.from(path, 'utf8');
  if (p.length + 1 > SUN_PATH_MAX) {
    const err: NodeJS.ErrnoException = new Error(`socket path is ${p.length} bytes, at most ${SUN_PATH_MAX - 1} fit: ${path}`);
    err.code = 'ENAMETOOLONG';
    throw err;
  }
  const addr = Buffer.alloc(2 + p.length + 1);
  addr.writeUInt16LE(AF_UNIX, 0);
  p.copy(addr, 2);
  return addr;
}

/** sockaddr_un for an abstract name: family, a NUL, then the name (no trailing NUL). */
function abstractAddr(name: string): Buffer {
  const n = Buffer.from(name);
  const b = Buffer.alloc(2 + 1 + n.length);
  b.writeUInt16LE(AF_UNIX, 0);
  n.copy(b, 3);
  return b;
}
