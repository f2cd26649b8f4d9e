// Per-service CPU and memory, summed over each service's process group, from /proc. Sampled
// only while someone watches (a dashboard, `kelpie top`, a metrics scrape): with no watcher
// no timer runs, so an idle kelpie stays idle.
import { readdirSync, readFileSync } from 'node:fs';
import type { ServiceUsage, UsageSample } from '../protocol/api.js';

/** USER_HZ: the unit of the CPU fields of /proc/PID/stat, 100 on every Linux ABI. */
const TICKS_PER_SECOND = 100;

/** One process group's totals. */
interface Group {
  ticks: number;
  rssPages: number;
  processes: number;
}

/** Bytes per page, from this process's own RSS as /proc/self/status and /proc/self/statm say it. */
function pageSize(): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'latin1'))?.[1]);
    const pages = Number(readFileSync('/proc/self/statm', 'latin1').split(' ')[1]);
    const guess = (kb * 1024) / pages;
    return [4096, 16384, 65536].reduce((best, p) => (Math.abs(p - guess) < Math.abs(best - guess) ? p : best), 4096);
  } catch {
    return 4096;
  }
}

/** Reads every process once: CPU ticks (own and reaped children's) and RSS, per process group. */
export function readGroups(): Map<number, Group> {
  const groups = new Map<number, Group>();
  let names: string[] = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return groups;
  }
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // ended meanwhile
    }
    // Fields after the command name: state(3) ppid pgrp … utime(14) stime cutime cstime … rss(24).
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z') continue;
    const pgrp = Number(f[2]);
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    const g = groups.get(pgrp) ?? { ticks: 0, rssPages: 0, processes: 0 };
    g.ticks += ticks;
    g.rssPages += Number(f[21]);
    g.processes++;
    groups.set(pgrp, g);
  }
  return groups;
}

/** The group a service's main process leads (or belongs to, for an adopted daemon). */
function groupOf(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return null;
  }
}

/** Samples the running services' groups on demand, and on one timer while anyone watches. */
export class UsageSampler {
  readonly #page = pageSize();
  readonly #watchers = new Set<(s: UsageSample) => void>();
  #timer: NodeJS.Timeout | null = null;
  /** The previous sample per pid: monotonic ms and ticks, for CPU percent. */
  #prev = new Map<number, { at: number; ticks: number }>();

  constructor(
    private readonly running: () => ReadonlyArray<{ name: string; pid: number }>,
    private readonly intervalMs = 2000,
  ) {}

  /** Takes one sample now. */
  sample(): UsageSample {
    const groups = readGroups();
    const now = performance.now();
    const prev = this.#prev;
    this.#prev = new Map();
    const services: ServiceUsage[] = [];
    for (const { name, pid } of this.running()) {
      const pgid = groupOf(pid);
      const g = pgid === null ? undefined : groups.get(pgid);
      if (!g) continue;
      const p = prev.get(pid);
      const cpuPercent = p && now > p.at ? Math.max(0, ((g.ticks - p.ticks) / TICKS_PER_SECOND / ((now - p.at) / 1000)) * 100) : null;
      this.#prev.set(pid, { at: now, ticks: g.ticks });
      services.push({
        name, pid, processes: g.processes, cpuSeconds: g.ticks / TICKS_PER_SECOND,
        cpuPercent: cpuPercent === null ? null : Math.round(cpuPercent * 10) / 10, memoryBytes: g.rssPages * this.#page,
      });
    }
    return { at: new Date().toISOString(), services, sampling: this.#timer !== null };
  }

  /** Number of watchers now (the timer runs only while this is above 0). */
  get watching(): number {
    return this.#watchers.size;
  }

  /** Calls `f` with a sample now and every interval until the returned function is called. */
  watch(f: (s: UsageSample) => void): () => void {
    this.#watchers.add(f);
    f(this.sample());
    this.#timer ??= setInterval(() => {
      const s = this.sample();
      for (const w of this.#watchers) w(s);
    }, this.intervalMs);
    return () => {
      this.#watchers.delete(f);
      if (this.#watchers.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }

  stop(): void {
    this.#watchers.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
