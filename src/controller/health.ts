// Probes of running services: a readiness probe while starting, then the startup probe,
// then liveness. Loops exist only while their service is in the state that needs them.
import type { ProbeSpec } from '../config/types.js';
import { probeLoop } from '../readiness/loop.js';
import { probeOnce } from '../readiness/probe.js';
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
    if (want === 'ready' && svc.spec.ready.kind === 'none') this.#runSockets(svc);
    if (want === 'liveness') {
      if (svc.spec.startup) this.#run(svc, 'startup', svc.spec.startup);
      else if (svc.spec.liveness) this.#run(svc, 'liveness', svc.spec.liveness);
    }
  }

  #phaseFor(svc: Service): Phase | null {
    const probed = svc.spec.ready.kind === 'probe' || (svc.spec.ready.kind === 'none' && svc.spec.sockets.length > 0);
    if (svc.state === 'starting' && svc.pid !== null && probed) return 'ready';
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

  /** Declared sockets and no other mechanism: ready once every socket accepts a connection. */
  #runSockets(svc: Service): void {
    const ac = new AbortController();
    const pid = svc.pid!;
    this.#loops.set(svc.name, { phase: 'ready', pid, ac });
    const attempt = async (): Promise<void> => {
      const results = await Promise.all(svc.spec.sockets.map((path) => probeOnce({ type: 'unix', path }, 1000, svc.spec.cwd)));
      if (ac.signal.aborted) return;
      const bad = results.findIndex((r) => !r.ok);
      svc.lastProbe = { kind: 'ready', ok: bad < 0, at: new Date().toISOString(), detail: bad < 0 ? 'every socket accepts' : `${svc.spec.sockets[bad]}: ${results[bad]!.detail}` };
      if (bad < 0) {
        this.#loops.delete(svc.name);
        svc.readyFrom(pid);
        return;
      }
      const t = setTimeout(() => void attempt(), 50);
      ac.signal.addEventListener('abort', () => clearTimeout(t), { once: true });
    };
    void attempt();
  }

  stopAll(): void {
    for (const l of this.#loops.values()) l.ac.abort();
    this.#loops.clear();
  }
}
