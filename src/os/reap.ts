// Reaps the keeper's children that libuv does not: processes it spawned through posix_spawn
// (posix-spawn.ts), daemons it adopted, and orphans re-parented to it (as subreaper or PID 1).
// Never a pid libuv spawned: libuv reaps its own children by pid and would silently lose their
// exit events. Every ChildProcess spawn (spawn, fork, exec) is tracked from the moment it
// returns until its 'exit' event, and skipped here.
//
// On SIGCHLD the reaper asks the kernel which child is a zombie without reaping it
// (waitid P_ALL, WNOWAIT) and reaps that one by pid, until none is left: one system call per
// exit, however many children there are. When the zombie the kernel names is not ours to reap
// (libuv's, or a pid a spawn still in flight will return), it falls back to reading the
// children list in /proc and reaps the zombies it may.
import { ChildProcess } from 'node:child_process';
import { ffi, libc } from './libc.js';
import { ownChildren, readStat } from './proc.js';

const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0;
/** siginfo_t is 128 bytes; si_pid sits after three ints and the union's alignment. */
const SIGINFO_BYTES = 128;
const SI_PID = 16;

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

/** A child reaped, with its raw wait status. */
export interface Reaped {
  readonly pid: number;
  readonly status: number;
}

let waitidFn: ((idtype: number, id: number, info: Buffer, options: number) => number) | null | undefined;

function waitid(): typeof waitidFn {
  if (waitidFn !== undefined) return waitidFn;
  waitidFn = null;
  try {
    const f = ffi();
    if (f) waitidFn = f.lib.func('int waitid(int, int, void *, int)') as unknown as typeof waitidFn;
  } catch {
    waitidFn = null;
  }
  return waitidFn;
}

const info = Buffer.alloc(SIGINFO_BYTES);

/**
 * Reaps every zombie child that libuv did not spawn and `mayReap` allows (a pid it does not
 * know may be a spawn still in flight: leave it for a later call); returns what it reaped.
 */
export function reapChildren(mayReap: (pid: number) => boolean = () => true): Reaped[] {
  const c = libc();
  if (!c || !tracking) return [];
  const out: Reaped[] = [];
  const status = new Int32Array(1);
  const peek = waitid();
  if (peek) {
    for (;;) {
      info.fill(0);
      if (peek(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) !== 0) return out; // ECHILD: no child at all
      const pid = info.readInt32LE(SI_PID);
      if (pid <= 0) return out; // no zombie
      if (libuvChildren.has(pid) || !mayReap(pid)) break; // not ours now: scan the rest
      if (c.waitpid(pid, status, WNOHANG) !== pid) break;
      out.push({ pid, status: status[0] ?? 0 });
    }
  }
  for (const pid of ownChildren()) {
    if (libuvChildren.has(pid) || !mayReap(pid)) continue;
    const st = readStat(pid);
    if (!st || st.state !== 'Z') continue;
    if (c.waitpid(pid, status, WNOHANG) === pid) out.push({ pid, status: status[0] ?? 0 });
  }
  return out;
}
