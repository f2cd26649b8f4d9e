// Processes that escaped a service's process group (double fork + setsid) are re-parented to
// the keeper, a child subreaper. They still carry KELPIE_SERVICE in their environment, which
// is how the keeper finds them when their service ends.
import { readFileSync } from 'node:fs';
import { ownChildren, readStat } from '../os/proc.js';
import { isLibuvChild } from '../os/reap.js';

/** Our re-parented children (not spawned by libuv, not in `owned`) that belong to `service` (any, if null). */
export function escapedOf(service: string | null, owned: (pid: number) => boolean): number[] {
  const out: number[] = [];
  for (const pid of ownChildren()) {
    if (isLibuvChild(pid) || owned(pid)) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      const vars = env.split('\0');
      if (service === null ? vars.some((v) => v.startsWith('KELPIE_SERVICE=')) : vars.includes(`KELPIE_SERVICE=${service}`)) out.push(pid);
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
