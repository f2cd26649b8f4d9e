// Marks every inherited fd above 2 close-on-exec, so services see exactly 0, 1, 2 even when
// whoever started kelpie leaked descriptors to it. Node's own fds are close-on-exec already.
import { readdirSync } from 'node:fs';
import { libc } from './libc.js';

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

/** Returns how many fds were marked; -1 when there is no FFI to do it. */
export function cloexecInheritedFds(): number {
  const c = libc();
  if (!c) return -1;
  let n = 0;
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return -1;
  }
  for (const name of fds) {
    const fd = Number(name);
    if (fd <= 2) continue;
    const flags = c.fcntl(fd, F_GETFD, 0);
    if (flags >= 0 && (flags & FD_CLOEXEC) === 0 && c.fcntl(fd, F_SETFD, flags | FD_CLOEXEC) === 0) n++;
  }
  return n;
}
