// /proc helpers for the benchmark: process trees, memory (PSS/RSS), CPU time, liveness,
// and guarded signalling. Linux only. Nothing here signals a PID it was not handed.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every Linux we know of
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Parsed /proc/PID/stat (the fields we use), or null when the process is gone. */
export function stat(pid) {
  let s;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const close = s.lastIndexOf(')');
  const comm = s.slice(s.indexOf('(') + 1, close);
  const f = s.slice(close + 2).split(' ');
  // f[0] = state (field 3); field n is f[n - 3]
  return {
    pid,
    comm,
    state: f[0],
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    cutime: Number(f[13]),
    cstime: Number(f[14]),
    starttime: Number(f[19]),
  };
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid) {
  const s = stat(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
}

/** Every live process: pid → stat. */
export function table() {
  const m = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s && s.state !== 'Z' && s.state !== 'X') m.set(s.pid, s);
  }
  return m;
}

/**
 * The supervisor's own processes: `roots` and their descendants, minus every process whose
 * command name is in `exclude` (the workload: sleep, sh, awk) and that process's subtree.
 */
export function supervisorTree(roots, exclude = WORKLOAD_COMMS) {
  const t = table();
  const kids = new Map();
  for (const s of t.values()) {
    if (!kids.has(s.ppid)) kids.set(s.ppid, []);
    kids.get(s.ppid).push(s.pid);
  }
  const out = [];
  const stack = roots.filter((p) => t.has(p));
  const seen = new Set();
  while (stack.length) {
    const pid = stack.pop();
    if (seen.has(pid)) continue;
    seen.add(pid);
    const s = t.get(pid);
    if (!s || exclude.has(s.comm)) continue;
    out.push(pid);
    for (const k of kids.get(pid) ?? []) stack.push(k);
  }
  return out;
}

/** Command names of workload processes, never counted as the supervisor. */
export const WORKLOAD_COMMS = new Set(['sleep', 'sh', 'dash', 'bash', 'awk', 'mawk', 'date', 'cat']);

/** Summed PSS and RSS in KiB of `pids` (from /proc/PID/smaps_rollup). */
export function memory(pids) {
  let pss = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
      pss += Number(/^Pss:\s+(\d+)/m.exec(t)?.[1] ?? 0);
      rss += Number(/^Rss:\s+(\d+)/m.exec(t)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return { pssKiB: pss, rssKiB: rss, processes: pids.length };
}

/** CPU time (user + system, all threads, plus reaped children) of `pids` in ms. */
export function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const s = stat(pid);
    if (s) ticks += s.utime + s.stime + s.cutime + s.cstime;
  }
  return (ticks * 1000) / clkTck;
}

/** Resolution of cpuMs in ms. */
export const CPU_RESOLUTION_MS = 1000 / clkTck;

/** Sends `sig` to one PID. Refuses anything that is not a positive integer > 1. */
export function signalPid(pid, sig) {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) throw new Error(`refusing to signal pid ${pid}`);
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Sends `sig` to a process group. Refuses our own group and anything not an integer > 1. */
export function signalGroup(pgid, sig) {
  if (!Number.isInteger(pgid) || pgid <= 1) throw new Error(`refusing to signal process group ${pgid}`);
  if (stat(process.pid)?.pgid === pgid) throw new Error(`refusing to signal our own process group ${pgid}`);
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Live (non-zombie) processes whose environment carries KELPIE_BENCH_MARK=mark. */
export function marked(mark) {
  const out = [];
  const needle = `KELPIE_BENCH_MARK=${mark}`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'latin1').includes(needle)) continue;
      const s = stat(Number(name));
      if (!s || s.state === 'Z' || s.state === 'X') continue;
      out.push({ pid: s.pid, pgid: s.pgid, cmd: readFileSync(`/proc/${name}/cmdline`, 'latin1').replace(/\0/g, ' ').trim() });
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Polls `pred` every `everyMs` until it returns a truthy value or `timeoutMs` passes. */
export async function until(pred, { timeoutMs = 30_000, everyMs = 10, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Polls `changed()` every `everyMs` (a timer tick, ~1 ms) until it holds; the promise
 * resolves with performance.now() at that moment (NaN if cancelled first).
 */
export function pollWaiter(changed, everyMs = 1) {
  let stop = false;
  const promise = (async () => {
    while (!stop) {
      if (await changed()) return performance.now();
      await sleep(everyMs);
    }
    return NaN;
  })();
  return { promise, cancel: () => (stop = true) };
}
