// Reading /proc: process identity (pid + start time) and our own children.
import { readFileSync, readdirSync } from 'node:fs';

/** Fields of /proc/PID/stat kelpie needs. */
export interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  /** Clock ticks since boot; with the pid it names one process for its lifetime. */
  readonly startTime: number;
}

/** Parses /proc/PID/stat; null when the process is gone. */
export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '?';
  return {
    pid,
    state,
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    startTime: Number(rest[19]),
  };
}

/**
 * PIDs whose parent is this process, from every thread's children list (a child is listed
 * under the thread that made it: posix_spawn runs on threadpool threads). With `orphansOnly`,
 * only the main thread's list: orphans re-parented to us as subreaper go to the first live
 * thread of the group, the main thread (the kernel's find_new_reaper), so that short list is
 * where escaped processes are, without reading the thousands of children spawned elsewhere.
 */
export function ownChildren(orphansOnly = false): number[] {
  const pids = new Set<number>();
  let tasks: string[] = [];
  try {
    tasks = orphansOnly ? [String(process.pid)] : readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  for (const tid of tasks) {
    try {
      const list = readFileSync(`/proc/self/task/${tid}/children`, 'latin1').trim();
      for (const p of list.split(/\s+/)) if (p) pids.add(Number(p));
    } catch {
      // a thread that ended between readdir and read
    }
  }
  return [...pids];
}

/** PIDs of every live process whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st && st.pgrp === pgid && st.state !== 'Z') out.push(st.pid);
  }
  return out;
}
