// Starting and stopping services in dependency order. A start pulls in what a service
// requires (and wants) and waits for each requirement's condition; a stop first stops
// everything that requires the service. Concurrent requests share one promise per service.
import type { DepCondition } from '../config/types.js';
import type { ServiceState } from '../protocol/api.js';
import type { DepGraph } from '../graph/index.js';
import type { Outcome, Service } from '../service/service.js';

/** What the orchestrator needs from the controller. */
export interface Services {
  get(name: string): Service | undefined;
  graph(): DepGraph;
  /** Arms (true) or pauses (false) a timer's schedule. */
  schedule(svc: Service, on: boolean): void;
}

const DOWN_OK = new Set(['stopped', 'failed', 'disabled', 'done']);

export class Orchestrator {
  constructor(private readonly svcs: Services) {}

  #svc(name: string): Service {
    const s = this.svcs.get(name);
    if (!s) throw new Error(`unknown service ${name}`);
    return s;
  }

  /** Starts `names` and what they require; resolves with an outcome per service involved. */
  async start(names: readonly string[]): Promise<Map<string, Outcome>> {
    const g = this.svcs.graph();
    const set = g.startSet(names);
    const memo = new Map<string, Promise<Outcome>>();
    const up = (name: string): Promise<Outcome> => {
      let p = memo.get(name);
      if (!p) {
        p = this.#up(name, set, up);
        memo.set(name, p);
      }
      return p;
    };
    const results = await Promise.all(set.map(async (n) => [n, await up(n)] as const));
    return new Map(results);
  }

  async #up(name: string, set: readonly string[], up: (n: string) => Promise<Outcome>): Promise<Outcome> {
    const g = this.svcs.graph();
    const svc = this.#svc(name);
    if (svc.state === 'disabled') return svc.start();
    for (const w of g.wantsOf(name)) void up(w);
    const reqs = g.requiresOf(name);
    const after = g.afterOf(name).filter((a) => set.includes(a));
    const live = svc.state === 'running' || svc.state === 'starting' || svc.state === 'backoff' || svc.state === 'stopping';
    const waited = !live && reqs.length + after.length > 0;
    if (waited) {
      svc.dispatch({ type: 'wait', on: [...reqs.map((r) => `${r.service} (${r.condition})`), ...after.map((a) => `${a} (after)`)].join(', ') });
    }
    const results = await Promise.all(reqs.map((r) => this.#condition(r.service, r.condition, up)));
    const bad = reqs.findIndex((_, i) => !results[i]!.ok);
    if (bad >= 0) {
      const dep = reqs[bad]!.service;
      const why = `requires ${dep}, which ${this.#describe(dep, results[bad]!)}`;
      svc.dispatch({ type: 'deps-failed', why });
      return { ok: false, state: svc.state, message: why };
    }
    // Ordering only: wait for those starting in the same request to settle, whatever the result.
    await Promise.all(after.map((a) => up(a)));
    // A timer is started by arming its schedule; its command runs at each occurrence.
    if (svc.spec.kind === 'timer') {
      this.svcs.schedule(svc, true);
      return { ok: true, state: svc.state, message: 'scheduled' };
    }
    // Stopped (or disabled) by someone while it waited: the start is off. Any other state
    // means a concurrent request got there first, and this one shares its result.
    const now = svc.state as ServiceState; // changed while we awaited
    if (waited && (now === 'stopped' || now === 'disabled')) return { ok: false, state: now, message: `start cancelled: ${now}` };
    return svc.start();
  }

  #describe(dep: string, o: Outcome): string {
    if (o.state === 'failed') return 'failed';
    if (o.state === 'disabled') return 'is disabled';
    return `is ${o.state}${o.message && o.message !== o.state ? ` (${o.message})` : ''}`;
  }

  /** Starts `dep` and resolves once `condition` holds (ok) or can no longer hold (not ok). */
  async #condition(dep: string, condition: DepCondition, up: (n: string) => Promise<Outcome>): Promise<Outcome> {
    const started = up(dep);
    if (condition !== 'started') return started;
    const svc = this.#svc(dep);
    return Promise.race([started, svc.whenSpawned()]);
  }

  /** Stops `names` and, first, everything that requires them; resolves per service stopped. */
  async stop(names: readonly string[], opts: { keepRemote?: boolean } = {}): Promise<Map<string, Outcome>> {
    const g = this.svcs.graph();
    const expanded = this.#withTargetMembers(names);
    // kelpie down leaves remote services running: their nodes are autonomous.
    const set = g.stopSet(expanded).filter((n) => !opts.keepRemote || !g.spec(n).remote);
    const inSet = new Set(set);
    // What was ordered after each service (`after`), worked out once: looking it up per
    // service was quadratic in a stop of everything.
    const orderedAfter = new Map<string, string[]>();
    for (const x of set) for (const y of g.afterOf(x)) orderedAfter.set(y, [...(orderedAfter.get(y) ?? []), x]);
    const memo = new Map<string, Promise<Outcome>>();
    const down = (name: string): Promise<Outcome> => {
      let p = memo.get(name);
      if (!p) {
        p = (async () => {
          // Dependents first; and whatever was ordered after this service stops before it.
          const first = [...g.dependentsOf(name), ...(orderedAfter.get(name) ?? [])].filter((d) => inSet.has(d));
          await Promise.all(first.map(down));
          const svc = this.#svc(name);
          if (svc.spec.kind === 'timer') this.svcs.schedule(svc, false);
          return svc.stop();
        })();
        memo.set(name, p);
      }
      return p;
    };
    const results = await Promise.all(set.map(async (n) => [n, await down(n)] as const));
    return new Map(results);
  }

  /** A target's members go down with it (an s6-rc bundle), nested targets included; so do
   *  the processes of a multi-process service. */
  #withTargetMembers(names: readonly string[]): string[] {
    const g = this.svcs.graph();
    const out = new Set<string>();
    const add = (n: string): void => {
      if (out.has(n)) return;
      out.add(n);
      const spec = g.spec(n);
      // A multi-process service's members are its processes, not what it requires.
      if (spec.processes.length) spec.processes.forEach(add);
      else if (spec.kind === 'target') for (const r of g.requiresOf(n)) add(r.service);
    };
    names.forEach(add);
    return [...out];
  }

  /** Stops `names` and their dependents, then starts them and the dependents that had been up. */
  async restart(names: readonly string[], stillWanted: () => boolean = () => true): Promise<Map<string, Outcome>> {
    const g = this.svcs.graph();
    // A remote service is restarted by its own node, in one request; its local dependents
    // are left running, as after a respawn with on_dependency_restart = "ignore".
    const remote = names.filter((n) => g.spec(n).remote);
    if (remote.length > 0) {
      const local = names.filter((n) => !g.spec(n).remote);
      const out = new Map<string, Outcome>();
      await Promise.all(remote.map(async (n) => {
        const svc = this.#svc(n) as Service & { restartInPlace?: () => Promise<Outcome> };
        out.set(n, svc.restartInPlace ? await svc.restartInPlace() : await svc.start());
      }));
      if (local.length > 0) for (const [k, v] of await this.restart(local, stillWanted)) out.set(k, v);
      return out;
    }
    const set = g.stopSet(names);
    const wasUp = set.filter((n) => names.includes(n) || !DOWN_OK.has(this.#svc(n).state));
    const stopped = await this.stop(names);
    const failedStop = [...stopped].filter(([, o]) => !o.ok);
    if (failedStop.length) return stopped;
    // A later request (another client's stop or start) overtook this restart: the last wins.
    if (!stillWanted()) return stopped;
    return this.start(wasUp);
  }
}
