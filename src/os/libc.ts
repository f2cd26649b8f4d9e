// The one place kelpie reaches libc. koffi (prebuilt FFI) closes Node's gaps: subreaper,
// reaping of orphans, pidfd, unix datagram sockets, FIFOs. Every binding is optional: callers check
// for null and degrade.
import { createRequire } from 'node:module';
import { constants } from 'node:os';

type Koffi = typeof import('koffi');

/** koffi itself, libc loaded through it, and where koffi lives (a worker thread loads it again). */
export interface Ffi {
  readonly koffi: Koffi;
  readonly lib: ReturnType<Koffi['load']>;
  /** Resolved path of koffi's CommonJS entry, for `require` inside a worker thread. */
  readonly koffiPath: string;
}

/** The subset of libc kelpie uses; each member may be absent on this platform. */
export interface Libc {
  prctl(option: number, a: number, b: number, c: number, d: number): number;
  waitpid(pid: number, status: Int32Array, options: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  mkfifo(path: string, mode: number): number;
  errno(): number;
}

let cachedFfi: Ffi | null | undefined;
let cached: Libc | null | undefined;

/** Loads koffi and libc once; null when either cannot be loaded (or not on Linux). */
export function ffi(): Ffi | null {
  if (cachedFfi !== undefined) return cachedFfi;
  cachedFfi = null;
  if (process.platform !== 'linux') return cachedFfi;
  try {
    const require = createRequire(import.meta.url);
    const koffiPath = require.resolve('koffi');
    const koffi = require(koffiPath) as Koffi;
    cachedFfi = { koffi, lib: koffi.load('libc.so.6'), koffiPath };
  } catch {
    cachedFfi = null;
  }
  return cachedFfi;
}

/** Loads the libc bindings once; null when koffi or libc cannot be loaded. */
export function libc(): Libc | null {
  if (cached !== undefined) return cached;
  cached = null;
  const f = ffi();
  if (!f) return cached;
  try {
    const prctl = f.lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)');
    const waitpid = f.lib.func('int waitpid(int, _Out_ int *, int)');
    const fcntl = f.lib.func('int fcntl(int, int, int)');
    const mkfifo = f.lib.func('int mkfifo(const char *, uint32_t)');
    cached = {
      fcntl: (fd, cmd, arg) => fcntl(fd, cmd, arg),
      mkfifo: (path, mode) => mkfifo(path, mode),
      prctl: (o, a, b, c, d) => prctl(o, a, b, c, d),
      waitpid: (pid, status, options) => waitpid(pid, status, options),
      errno: () => f.koffi.errno(),
    };
  } catch {
    cached = null;
  }
  return cached;
}

/**
 * Bindings made once, on first use, by `make` from koffi and libc: null where koffi or libc
 * cannot be loaded, or `make` throws (a symbol this libc lacks) or returns null.
 */
export function lazyBindings<T>(make: (f: Ffi) => T | null): () => T | null {
  let made: T | null | undefined;
  return () => {
    if (made !== undefined) return made;
    made = null;
    const f = ffi();
    if (!f) return made;
    try {
      made = make(f);
    } catch {
      made = null;
    }
    return made;
  };
}

/** Error for a failed libc call, with the errno name as `code` (e.g. EADDRINUSE). */
export function errnoError(call: string, errno: number, detail?: string): NodeJS.ErrnoException {
  const code = errnoName(errno);
  const err: NodeJS.ErrnoException = new Error(`${call} failed: ${code}${detail ? ` (${detail})` : ''}`);
  err.code = code;
  err.errno = errno;
  err.syscall = call;
  return err;
}

function errnoName(errno: number): string {
  for (const [name, n] of Object.entries(constants.errno)) if (n === errno) return name;
  return `errno ${errno}`;
}
