// Probes of running services: a readiness probe while starting, then the startup probe,
// then liveness. Loops exist only while their service is in the state that needs them.
import type { ProbeSpec } from '../config/types.js';
import { probeLoop } from '../readiness/loop.js';
import type { Service } from '../service/service.js';

type Phase = 'ready' | 'startup' | 'liveness';

export class Health {
  readonly #loops = new Map<string, { phase: Phase; pid: number; ac: AbortController }>();

  /** Called on every state change of `svc`. */
  changed(svc: Service): void {
    const cur = this.#loops.get(svc.name);
    const want = this.#phaseFor(svc);
    if (cur && (!want || cur.pid !== svc.pid || (cur.phase !== want && !(cur.phase === 'startup' && want === 'liveness')))) {
      cur.ac.abort();
      this.#loops.delete(svc.name);
    }
    if (!want || this.#loops.has(svc.name) || svc.pid === null) return;
    if (want === 'ready' && svc.spec.ready.kind === 'probe') this.#run(svc, 'ready', svc.spec.ready.probe);
    if (want === 'liveness') {
      if (svc.spec.startup) this.#run(svc, 'startup', svc.spec.startup);
      else if (svc.spec.liveness) this.#run(svc, 'liveness', svc.spec.liveness);
    }
  }

  #phaseFor(svc: Service): Phase | null {
    if (svc.state === 'starting' && svc.pid !== null && svc.spec.ready.kind === 'probe') return 'ready';
    if (svc.state === 'running' && (svc.spec.liveness || svc.spec.startup)) return 'liveness';
    return null;
  }

  #run(svc: Service, phase: Phase, spec: ProbeSpec): void {
    const ac = new AbortController();
    const pid = svc.pid!;
    this.#loops.set(svc.name, { phase, pid, ac });
    probeLoop(
      spec,
      svc.spec.cwd,
      {
        attempt: (r) => {
          svc.lastProbe = { kind: phase, ok: r.ok, at: new Date().toISOString(), detail: r.detail };
        },
        passed: () => {
          if (phase === 'ready') {
            this.#loops.delete(svc.name);
            svc.readyFrom(pid);
            return false;
          }
          if (phase === 'startup') {
            // Startup passed: liveness takes over.
            this.#loops.delete(svc.name);
            if (svc.spec.liveness && svc.state === 'running' && svc.pid === pid) this.#run(svc, 'liveness', svc.spec.liveness);
            return false;
          }
          return true;
        },
        // A readiness probe keeps trying: ready_timeout decides when the start failed.
        ...(phase === 'ready'
          ? {}
          : {
              failed: (last: { detail: string }, n: number) => {
                this.#loops.delete(svc.name);
                svc.dispatch({ type: 'unhealthy', why: `${phase} probe failed ${n} time(s) in a row: ${last.detail}` });
              },
            }),
      },
      ac.signal,
    );
  }

  stopAll(): void {
    for (const l of this.#loops.values()) l.ac.abort();
    this.#loops.clear();
  }
}
