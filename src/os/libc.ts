// The one place kelpie reaches libc. koffi (prebuilt FFI) closes Node's gaps: subreaper,
// reaping of orphans, pidfd. Every binding is optional: callers check for null and degrade.
import { createRequire } from 'node:module';

/** The subset of libc kelpie uses; each member may be absent on this platform. */
export interface Libc {
  prctl(option: number, a: number, b: number, c: number, d: number): number;
  waitpid(pid: number, status: Int32Array, options: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  errno(): number;
}

let cached: Libc | null | undefined;

/** Loads libc through koffi once; null when koffi or libc cannot be loaded. */
export function libc(): Libc | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (process.platform !== 'linux') return cached;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi');
    const lib = koffi.load('libc.so.6');
    const prctl = lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)');
    const waitpid = lib.func('int waitpid(int, _Out_ int *, int)');
    const fcntl = lib.func('int fcntl(int, int, int)');
    cached = {
      fcntl: (fd, cmd, arg) => fcntl(fd, cmd, arg),
      prctl: (o, a, b, c, d) => prctl(o, a, b, c, d),
      waitpid: (pid, status, options) => waitpid(pid, status, options),
      errno: () => koffi.errno(),
    };
  } catch {
    cached = null;
  }
  return cached;
}
