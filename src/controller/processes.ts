// Multi-process services: a service with [[processes]] is a target over services NAME:PROC
// (config/load.ts). This keeps the service's state in step with its processes: it is running
// and ready only while every process is; a process that is not running makes it unhealthy; a
// process that is running but not ready makes it unready. When a process exits unasked, its
// own restart policy respawns just it (on_process_exit = "restart-process", the default), or
// the whole service is restarted ("restart-service").
import type { Service } from '../service/service.js';

/** What the process groups need from the controller. */
export interface GroupHost {
  get(name: string): Service | undefined;
  restart(names: readonly string[]): Promise<unknown>;
  note(svc: Service, message: string): void;
}

/** States in which a process is gone without anyone asking. */
const EXITED = new Set(['backoff', 'failed']);

export class ProcessGroups {
  /** Services being restarted whole because one of their processes exited. */
  readonly #restarting = new Set<string>();

  constructor(private readonly host: GroupHost) {}

  /** A process (a service with processOf) changed state or readiness. */
  changed(proc: Service): void {
    const name = proc.spec.processOf;
    if (name === null) return;
    const svc = this.host.get(name);
    if (!svc || svc.spec.processes.length === 0) return;
    if (this.#restarting.has(name)) return;
    // Only a service that is up follows its processes; a start or stop in progress decides.
    if (svc.state !== 'running' && svc.state !== 'unhealthy') return;
    const short = (p: Service): string => p.name.slice(name.length + 1);

    if (svc.spec.onProcessExit === 'restart-service' && EXITED.has(proc.state) && !proc.pendingStop) {
      this.#restarting.add(name);
      this.host.note(svc, `process ${short(proc)} exited (${proc.reason ?? proc.state}): restarting the whole service (on_process_exit = "restart-service")`);
      void this.host
        .restart([name])
        .catch(() => {})
        .finally(() => this.#restarting.delete(name));
      return;
    }
    this.#follow(svc, short);
  }

  /** Sets the service's state from its processes'. */
  #follow(svc: Service, short: (p: Service) => string): void {
    const procs = svc.spec.processes.map((n) => this.host.get(n)).filter((p): p is Service => p !== undefined);
    const down = procs.find((p) => p.state !== 'running');
    if (down) {
      const why = `process ${short(down)} is ${down.state}${down.reason && down.reason !== down.state ? ` (${down.reason})` : ''}`;
      if (svc.state !== 'unhealthy' || svc.reason !== why) {
        svc.failure = why;
        svc.go('unhealthy', why);
      }
      return;
    }
    if (svc.state === 'unhealthy') svc.go('running', null);
    const unready = procs.find((p) => p.unready !== null);
    if (unready) svc.unreadyFrom(null, `process ${short(unready)} is not ready: ${unready.unready}`);
    else svc.readyFrom(null);
  }
}
