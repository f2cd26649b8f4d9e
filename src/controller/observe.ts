// What watchers see beyond status: resource use (sampled only while watched), exits counted
// by cause, log growth, and the Prometheus text made of them. Kept out of controller.ts,
// which only tells it about exits and asks it for numbers.
import type { ExitInfo, UsageSample } from '../protocol/api.js';
import type { Service } from '../service/service.js';
import { exitCause, exposition, type ExitCause } from '../api/metrics.js';
import { LogBytes } from './log-bytes.js';
import { UsageSampler } from './usage.js';

/** What the observer needs from the controller. */
export interface ObservedHost {
  services(): Iterable<Service>;
  logPath(service: string): string;
  controllerRestarts(): number;
}

/** Usage, exit counts and log growth of the controller's services; renders /metrics. */
export class Observer {
  /** CPU and memory per service, sampled only while watched. */
  readonly usage: UsageSampler;
  readonly #logBytes = new LogBytes();
  /** Exits seen by this controller, per service and cause (kelpie_service_exits_total). */
  readonly #exits = new Map<string, Partial<Record<ExitCause, number>>>();

  constructor(private readonly host: ObservedHost) {
    this.usage = new UsageSampler(() => [...host.services()].flatMap((s) => (s.pid === null ? [] : [{ name: s.name, pid: s.pid }])));
  }

  /** After an exit event went to `svc`: counts it if the service recorded a new exit. */
  exited(svc: Service, before: ExitInfo | undefined): void {
    const e = svc.exits[0];
    if (!e || e === before) return;
    const c = this.#exits.get(svc.name) ?? {};
    const cause = exitCause(e);
    c[cause] = (c[cause] ?? 0) + 1;
    this.#exits.set(svc.name, c);
  }

  sample(): UsageSample {
    return this.usage.sample();
  }

  /** A scrape: one usage sample and the log sizes, read now (nothing is sampled between scrapes). */
  metrics(visible: (service: string) => boolean): string {
    const usage = new Map(this.usage.sample().services.map((u) => [u.name, u]));
    const rows = [...this.host.services()].filter((s) => visible(s.name)).map((s) => {
      const u = usage.get(s.name);
      const ready = s.pid && s.readyAt && s.spawnedAt && s.state === 'running' ? (Date.parse(s.readyAt) - Date.parse(s.spawnedAt)) / 1000 : null;
      return {
        name: s.name, state: s.state, restarts: s.restarts, readySeconds: ready, exits: this.#exits.get(s.name) ?? {},
        cpuSeconds: u?.cpuSeconds ?? null, memoryBytes: u?.memoryBytes ?? null, logBytes: this.#logBytes.observe(s.name, this.host.logPath(s.name)),
      };
    });
    return exposition(rows, { controllerRestarts: this.host.controllerRestarts() });
  }

  stop(): void {
    this.usage.stop();
  }
}
