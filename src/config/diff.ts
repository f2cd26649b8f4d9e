// The reload plan: what a new config changes against the running one. Pure.
import type { ServiceSpec } from './types.js';

/** Fields whose change is applied in place, without restarting the service. */
const IN_PLACE = new Set<string>([
  'autostart', 'restart', 'backoff', 'startLimit', 'successCodes', 'noRestartCodes', 'stop', 'log', 'source',
  'requires', 'wants', 'after', 'provides', 'onDependencyRestart', 'onChange', 'liveness', 'startup', 'readyTimeout',
]);

/** One changed service. */
export interface Change {
  readonly name: string;
  /** The fields (ServiceSpec property names) that differ. */
  readonly fields: readonly string[];
  /** True if any changed field needs a new process. */
  readonly restart: boolean;
}

/** What reloading `next` over `current` does. */
export interface ReloadPlan {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly Change[];
  readonly unchanged: readonly string[];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Compares two sets of service definitions. */
export function diffServices(current: Readonly<Record<string, ServiceSpec>>, next: Readonly<Record<string, ServiceSpec>>): ReloadPlan {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: Change[] = [];
  const unchanged: string[] = [];
  for (const name of Object.keys(next)) {
    const a = current[name];
    const b = next[name]!;
    if (!a) {
      added.push(name);
      continue;
    }
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    const fields = [...keys].filter((k) => !same((a as unknown as Record<string, unknown>)[k], (b as unknown as Record<string, unknown>)[k]));
    // A definition that only moved within its file is unchanged.
    const real = fields.filter((f) => f !== 'source');
    if (real.length === 0) unchanged.push(name);
    else changed.push({ name, fields: real, restart: real.some((f) => !IN_PLACE.has(f)) });
  }
  for (const name of Object.keys(current)) if (!next[name]) removed.push(name);
  return { added, removed, changed, unchanged };
}
