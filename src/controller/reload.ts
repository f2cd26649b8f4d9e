// Applying a reload plan: start what was added, stop and forget what was removed, change in
// place what needs no new process, restart (or defer) what does, leave the rest untouched.
// Order: removed first, then added are defined (not started), then changed are applied (a
// restart starts what it now requires, added ones included), then added ones are started.
import type { ReloadPlan } from '../config/diff.js';
import type { ServiceSpec } from '../config/types.js';
import type { Outcome, Service } from '../service/service.js';

import type { Applied } from '../protocol/api.js';

export type { Applied };

/** What applying a plan needs from the controller. */
export interface ReloadHost {
  service(name: string): Service | undefined;
  create(spec: ServiceSpec): Service;
  forget(name: string): void;
  logLimits(svc: Service): Promise<void>;
  /** Definitions changed: the dependency graph must be rebuilt. */
  invalidate(): void;
  /** Restarts with dependents, by the dependency rules; the outcome of `name` itself. */
  restart(name: string): Promise<Outcome>;
  /** Starts in dependency order. */
  start(names: readonly string[]): Promise<Map<string, Outcome>>;
}

const LIVE = new Set(['starting', 'running', 'backoff', 'stopping']);

export async function applyPlan(
  host: ReloadHost,
  plan: ReloadPlan,
  next: Readonly<Record<string, ServiceSpec>>,
  defer: ReadonlySet<string>,
): Promise<Applied[]> {
  const out: Applied[] = [];
  for (const name of plan.removed) {
    const svc = host.service(name);
    if (!svc) continue;
    // A remote service is only forgotten here: its node is autonomous, as on kelpie down.
    const o = svc.spec.remote ? { ok: true, message: `forgotten; ${svc.spec.remote.service} on node ${svc.spec.remote.node} is left as it is` } : await svc.stop();
    svc.dispose();
    host.forget(name);
    out.push({ name, action: 'stopped-and-removed', ok: o.ok, message: o.message });
  }
  // A proxy takes its node link and remote name from its definition: one that changes (or a
  // service that becomes or stops being remote) is made anew, then started if meant to run.
  const remade: string[] = [];
  for (const c of plan.changed) {
    const svc = host.service(c.name);
    const spec = next[c.name];
    if (!svc || !spec || (!svc.spec.remote && !spec.remote)) continue;
    if (!svc.spec.remote) await svc.stop();
    svc.dispose();
    host.forget(c.name);
    remade.push(c.name);
  }
  // Added (and remade) services exist before changed ones restart: a changed service may now
  // require one.
  const created = [...remade, ...plan.added].map((name) => host.create(next[name]!));
  host.invalidate();
  for (const c of plan.changed) {
    const svc = host.service(c.name);
    const spec = next[c.name];
    if (!svc || !spec || remade.includes(c.name)) continue;
    if (!c.restart) {
      svc.redefine(spec);
      if (c.fields.includes('log')) await host.logLimits(svc).catch(() => {});
      out.push({ name: c.name, action: 'updated-in-place', ok: true, message: `changed ${c.fields.join(', ')}` });
      continue;
    }
    const live = LIVE.has(svc.state);
    if (!live) {
      svc.redefine(spec);
      out.push({ name: c.name, action: 'redefined', ok: true, message: `changed ${c.fields.join(', ')}; not running` });
      continue;
    }
    if (defer.has(c.name) || (spec as { onChange?: string }).onChange === 'defer') {
      svc.pending = spec;
      out.push({ name: c.name, action: 'deferred', ok: true, message: 'new definition pending: applied at next restart' });
      continue;
    }
    svc.redefine(spec);
    host.invalidate();
    const started = await host.restart(c.name);
    out.push({ name: c.name, action: 'restarted', ok: started.ok, message: `changed ${c.fields.join(', ')}; ${started.message}` });
  }
  host.invalidate();
  const toStart = created.filter((s) => s.meantToRun).map((s) => s.name);
  const started = await host.start(toStart);
  for (const svc of created) {
    const o = started.get(svc.name);
    out.push(o ? { name: svc.name, action: 'started', ok: o.ok, message: o.message } : { name: svc.name, action: 'added', ok: true, message: 'added; autostart is off' });
  }
  return out;
}
