// Timer services: kelpie runs the command at each occurrence of a cron schedule or interval.
// Between runs the service is stopped (or failed, if the last run failed); a run in progress
// is a normal supervised process. `stop` pauses the schedule, `start` resumes it.
import { Cron } from 'croner';
import type { TimerSpec } from '../config/types.js';
import type { Service } from '../service/service.js';

/** What status shows of a timer. */
export interface TimerInfo {
  readonly schedule: string;
  readonly nextRunAt: string | null;
  readonly remaining: number | null;
  readonly runs: number;
  readonly paused: boolean;
  readonly queued: boolean;
}

interface Armed {
  svc: Service;
  cron: Cron | null;
  interval: NodeJS.Timeout | null;
  nextAt: number | null;
  runs: number;
  queued: boolean;
}

const BUSY = new Set(['waiting', 'starting', 'running', 'stopping', 'unhealthy', 'backoff']);

export class Timers {
  readonly #armed = new Map<string, Armed>();
  readonly #runs = new Map<string, number>();

  constructor(private readonly note: (svc: Service, message: string) => void) {}

  /** Starts (or resumes) the schedule of `svc`. */
  arm(svc: Service): void {
    const t = svc.spec.timer;
    if (!t || this.#armed.has(svc.name)) return;
    const a: Armed = { svc, cron: null, interval: null, nextAt: null, runs: this.#runs.get(svc.name) ?? 0, queued: false };
    this.#armed.set(svc.name, a);
    if (t.schedule) {
      // The same parsing mode as the config check (src/config/timer.ts).
      a.cron = new Cron(
        t.schedule,
        { mode: '5-or-6-parts', ...(t.timezone ? { timezone: t.timezone } : {}), ...(t.maxRuns ? { maxRuns: Math.max(0, t.maxRuns - a.runs) } : {}) },
        () => this.#fire(a),
      );
    } else if (t.every) {
      this.#every(a, t.every);
    }
    if (t.runOnStart) this.#fire(a);
  }

  #every(a: Armed, ms: number): void {
    a.nextAt = Date.now() + ms;
    a.interval = setTimeout(() => {
      a.interval = null;
      this.#fire(a);
      if (this.#armed.get(a.svc.name) === a && !this.#exhausted(a)) this.#every(a, ms);
    }, ms);
  }

  #exhausted(a: Armed): boolean {
    const max = a.svc.spec.timer?.maxRuns;
    return max !== null && max !== undefined && a.runs >= max;
  }

  /** One occurrence: run, unless a run is still going (then skip or queue per `overlap`). */
  #fire(a: Armed): void {
    const { svc } = a;
    if (BUSY.has(svc.state)) {
      if (svc.spec.timer?.overlap === 'queue') {
        a.queued = true;
        this.note(svc, 'previous run still going: this run is queued');
      } else {
        this.note(svc, 'previous run still going: this run is skipped');
      }
      return;
    }
    this.#run(a);
  }

  #run(a: Armed): void {
    a.runs++;
    this.#runs.set(a.svc.name, a.runs);
    void a.svc.start();
  }

  /** Runs now (kelpie trigger), with the same overlap rule. */
  trigger(svc: Service): 'started' | 'queued' | 'skipped' {
    const a = this.#armed.get(svc.name) ?? { svc, cron: null, interval: null, nextAt: null, runs: this.#runs.get(svc.name) ?? 0, queued: false };
    if (BUSY.has(svc.state)) {
      if (svc.spec.timer?.overlap === 'queue') {
        a.queued = true;
        return 'queued';
      }
      return 'skipped';
    }
    this.#run(a);
    return 'started';
  }

  /** Called on every state change: a queued run follows the one that just ended. */
  changed(svc: Service): void {
    const a = this.#armed.get(svc.name);
    if (!a || !a.queued || BUSY.has(svc.state)) return;
    a.queued = false;
    this.#run(a);
  }

  /** Pauses the schedule (stop, disable, removal). */
  disarm(name: string): void {
    const a = this.#armed.get(name);
    if (!a) return;
    a.cron?.stop();
    if (a.interval) clearTimeout(a.interval);
    this.#armed.delete(name);
  }

  info(svc: Service): TimerInfo | null {
    const t: TimerSpec | null = svc.spec.timer;
    if (!t) return null;
    const a = this.#armed.get(svc.name);
    const runs = this.#runs.get(svc.name) ?? 0;
    const next = a?.cron ? a.cron.nextRun() : a?.nextAt ? new Date(a.nextAt) : null;
    return {
      schedule: t.schedule ?? `every ${t.every} ms`,
      nextRunAt: a && next ? next.toISOString() : null,
      remaining: t.maxRuns !== null ? Math.max(0, t.maxRuns - runs) : null,
      runs,
      paused: !a,
      queued: a?.queued ?? false,
    };
  }

  stopAll(): void {
    for (const name of [...this.#armed.keys()]) this.disarm(name);
  }
}
