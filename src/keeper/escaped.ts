// Processes that escaped a service's process group (double fork + setsid) are re-parented to
// the keeper, a child subreaper. They still carry KELPIE_SERVICE in their environment, which
// is how the keeper finds them when their service ends.
import { readFileSync } from 'node:fs';
import { ownChildren, readStat } from '../os/proc.js';
import { isLibuvChild } from '../os/reap.js';

/** Our re-parented children (not spawned by libuv, not in `owned`) that belong to `service` (any, if null). */
export function escapedOf(service: string | null, owned: (pid: number) => boolean): number[] {
  const by = escapedBy(owned);
  return service === null ? [...by.values()].flat() : (by.get(service) ?? []);
}

/**
 * Our re-parented children (not spawned by libuv, not in `owned`) by the service they belong
 * to: one read of our children list, however many services ended (a stop of all of them).
 */
export function escapedBy(owned: (pid: number) => boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const pid of ownChildren(true)) {
    if (isLibuvChild(pid) || owned(pid)) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      const v = env.split('\0').find((x) => x.startsWith('KELPIE_SERVICE='));
      if (!v) continue;
      const service = v.slice('KELPIE_SERVICE='.length);
      out.set(service, [...(out.get(service) ?? []), pid]);
    } catch {
      // gone
    }
  }
  return out;
}

/** SIGKILLs each escaped process and the process group it leads; returns how many. */
export function killEscaped(pids: readonly number[]): number {
  let n = 0;
  for (const pid of pids) {
    const st = readStat(pid);
    if (!st || st.state === 'Z' || st.ppid !== process.pid) continue;
    try {
      process.kill(st.pgrp === pid ? -pid : pid, 'SIGKILL');
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}
