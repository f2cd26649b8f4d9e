// PR_SET_CHILD_SUBREAPER: orphans of our services are re-parented to us instead of init,
// so they can be reaped and stopped with their service.
import { libc } from './libc.js';

const PR_SET_CHILD_SUBREAPER = 36;

/** Makes this process a child subreaper; false when the kernel or FFI cannot. */
export function becomeSubreaper(): boolean {
  const c = libc();
  if (!c) return false;
  return c.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
}
