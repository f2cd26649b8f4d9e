// Probes of running services: a readiness probe while starting, then the startup probe,
// then liveness. Loops exist only while their service is in the state that needs them.
import type { ProbeSpec } from '../config/types.js';
import { probeLoop } from '../readiness/loop.js';
import { probeOnce } from '../readiness/probe.js';
import type { Service } from '../service/service.js';

type Phase = 'ready' | 'startup' | 'liveness';

export class Health {
  readonly #loops = new Map<string, { phase: Phase; pid: number; ac: AbortController }>();
  /** Readiness probes of running services (Kubernetes semantics: they go on for the whole run). */
  readonly #readiness = new Map<string, { pid: number; ac: AbortController }>();

  /** Called on every state change of `svc`. */
  changed(svc: Service): void {
    this.#keepReadiness(svc);
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
          // Past ready_timeout the process group is being killed (still `starting` until its
          // exit): what a probe sees then (a reset connection) is not why it was not ready.
          if (phase === 'ready' && svc.forced) return;
          svc.lastProbe = { kind: phase, ok: r.ok, at: new Date().toISOString(), detail: r.detail };
        },
        passed: () => {
          if (phase === 'ready' && svc.forced) return false;
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

  /**
   * A service that became ready through a readiness probe keeps being probed while it runs:
   * failure_threshold failures in a row make it unready (it keeps running), then
   * success_threshold successes make it ready again.
   */
  #keepReadiness(svc: Service): void {
    const cur = this.#readiness.get(svc.name);
    const want = svc.state === 'running' && svc.pid !== null && svc.spec.ready.kind === 'probe';
    if (cur && (!want || cur.pid !== svc.pid)) {
      cur.ac.abort();
      this.#readiness.delete(svc.name);
    }
    if (!want || this.#readiness.has(svc.name) || svc.spec.ready.kind !== 'probe') return;
    const spec = svc.spec.ready.probe;
    const ac = new AbortController();
    const pid = svc.pid!;
    this.#readiness.set(svc.name, { pid, ac });
    probeLoop(
      { ...spec, initialDelay: spec.interval },
      svc.spec.cwd,
      {
        attempt: (r) => {
          // Only failures are worth showing; a steady stream of successes would churn status.
          if (!r.ok || svc.unready !== null) svc.lastProbe = { kind: 'ready', ok: r.ok, at: new Date().toISOString(), detail: r.detail };
        },
        passed: () => {
          svc.readyFrom(pid);
          return true;
        },
        failed: (last, n) => {
          svc.unreadyFrom(pid, `readiness probe failed ${n} time(s) in a row: ${last.detail}`);
          return true;
        },
      },
      ac.signal,
    );
  }

  stopAll(): void {
    for (const l of this.#loops.values()) l.ac.abort();
    this.#loops.clear();
    for (const l of this.#readiness.values()) l.ac.abort();
    this.#readiness.clear();
  }
}
