export { libc } from './libc.js';
export type { Libc } from './libc.js';
export { becomeSubreaper } from './subreaper.js';
export { readStat, ownChildren, groupMembers } from './proc.js';
export type { ProcStat } from './proc.js';
export { reapOrphans, trackChildren } from './reap.js';
export { writeFileAtomic } from './atomic.js';
export type { Reaped } from './reap.js';
export { cloexecInheritedFds } from './cloexec.js';
