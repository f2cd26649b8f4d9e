// Reaps zombies we did not spawn (orphans re-parented to us as subreaper or PID 1).
// Never waitpid(-1), and never a pid libuv spawned: libuv reaps its own children by pid and
// would silently lose their exit events. Every ChildProcess spawn (spawn, fork, exec) is
// tracked from the moment it returns until its 'exit' event, and skipped here.
import { ChildProcess } from 'node:child_process';
import { libc } from './libc.js';
import { ownChildren, readStat } from './proc.js';

const WNOHANG = 1;
const libuvChildren = new Set<number>();
let tracking = false;

/** Starts tracking every child libuv spawns in this process (idempotent). */
export function trackChildren(): void {
  if (tracking) return;
  tracking = true;
  const proto = ChildProcess.prototype as unknown as { spawn: (...a: unknown[]) => unknown };
  const original = proto.spawn;
  proto.spawn = function (this: ChildProcess, ...args: unknown[]) {
    const r = original.apply(this, args);
    const pid = this.pid;
    if (pid !== undefined) {
      libuvChildren.add(pid);
      this.once('exit', () => libuvChildren.delete(pid));
    }
    return r;
  };
}

/** True for a pid libuv spawned and still tracks (its exit event is libuv's to deliver). */
export function isLibuvChild(pid: number): boolean {
  return libuvChildren.has(pid);
}

/** An orphan reaped, with its raw wait status. */
export interface Reaped {
  readonly pid: number;
  readonly status: number;
}

/** Reaps every zombie child that libuv did not spawn; returns what it reaped. */
export function reapOrphans(): Reaped[] {
  const c = libc();
  if (!c || !tracking) return [];
  const out: Reaped[] = [];
  for (const pid of ownChildren()) {
    if (libuvChildren.has(pid)) continue;
    const st = readStat(pid);
    if (!st || st.state !== 'Z') continue;
    const status = new Int32Array(1);
    if (c.waitpid(pid, status, WNOHANG) === pid) out.push({ pid, status: status[0] ?? 0 });
  }
  return out;
}
