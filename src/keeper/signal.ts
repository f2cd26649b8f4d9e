// The one function that sends signals to service processes. It refuses any pid the keeper
// does not own right now, and re-checks the start time so a reused pid is never signalled.
import { constants } from 'node:os';
import { readStat } from '../os/proc.js';
import type { ProcessTable } from './table.js';

let group: number | undefined;

/** kelpie's own process group (the keeper never changes it). */
function ownGroup(): number | undefined {
  group ??= readStat(process.pid)?.pgrp;
  return group;
}

/**
 * Sends `signal` to the whole process group led by `pid`; returns an error text or null.
 * `spawnedHere(pid)` says the keeper spawned `pid` in a session of its own and has not reaped
 * it: such a pid cannot have been reused (an unreaped child keeps its pid) and still leads its
 * group (a session leader cannot change its group), so /proc need not be read to check.
 */
export function signalGroup(table: ProcessTable, pid: unknown, signal: string, spawnedHere: (pid: number) => boolean = () => false): string | null {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 1) return `refusing to signal pid ${String(pid)}`;
  if (!(signal in constants.signals) && signal !== '0') return `unknown signal ${signal}`;
  const owned = table.get(pid);
  if (!owned) return `pid ${pid} is not a process kelpie owns`;
  let pgid = pid;
  if (!spawnedHere(pid)) {
    const st = readStat(pid);
    if (st && st.startTime !== owned.entry.startTime) return `pid ${pid} was reused by another process`;
    // The process group the process is in now (an adopted daemon may lead its own, or not).
    if (st && st.pgrp > 1) pgid = st.pgrp;
  }
  if (pgid === ownGroup()) return `refusing to signal kelpie's own process group ${pgid}`;
  try {
    process.kill(-pgid, signal === '0' ? 0 : (signal as NodeJS.Signals));
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? null : String(err);
  }
}

/** SIGKILLs what is left of the group a reaped leader led; returns how many were alive. */
export function killLeftovers(pgid: number, countMembers: (pgid: number) => number): number {
  if (!Number.isInteger(pgid) || pgid <= 1) return 0;
  try {
    process.kill(-pgid, 0);
  } catch {
    return 0;
  }
  const n = countMembers(pgid);
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
  return n;
}
