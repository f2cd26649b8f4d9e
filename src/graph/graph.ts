// The dependency graph of a config: who requires, wants and follows whom; the sets of services
// to start or stop together; start and stop order in parallel layers; cycles. Pure.
import type { DepCondition, Requirement, ServiceSpec } from '../config/types.js';
import { elementaryCycles } from './cycles.js';
import { layers } from './layers.js';

/** What a starting service waits for on one dependency: a requirement's condition, or 'after'
 *  (ordering only: satisfied once the dependency is not starting, or is not going to start). */
export type WaitCondition = DepCondition | 'after';

/** One dependency a service is still waiting on. */
export interface Waiting {
  readonly service: string;
  readonly condition: WaitCondition;
}

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** Built from validated specs (names resolved, no cycles); edges to services not in the
 *  record are ignored. Methods taking names throw on a name that is not a service. */
export class DepGraph {
  readonly #names: readonly string[];
  readonly #specs = new Map<string, ServiceSpec>();
  readonly #aliases = new Map<string, string>();
  /** requires ∪ after, distinct, services of this graph only. */
  readonly #ordering = new Map<string, readonly string[]>();
  /** Who requires each service, in config order. */
  readonly #dependents = new Map<string, string[]>();

  constructor(services: Readonly<Record<string, ServiceSpec>>) {
    this.#names = Object.keys(services);
    for (const n of this.#names) {
      this.#specs.set(n, services[n]!);
      this.#dependents.set(n, []);
    }
    for (const [n, s] of this.#specs) {
      for (const a of s.provides) if (!this.#specs.has(a) && !this.#aliases.has(a)) this.#aliases.set(a, n);
      const required = unique(s.requires.map((r) => r.service)).filter((d) => this.#specs.has(d));
      this.#ordering.set(n, unique([...required, ...s.after.filter((d) => this.#specs.has(d))]));
      for (const d of required) this.#dependents.get(d)!.push(n);
    }
  }

  /** Every service, in config order. */
  get names(): readonly string[] {
    return this.#names;
  }

  has(name: string): boolean {
    return this.#specs.has(name);
  }

  /** The service a name or alias stands for, if any. */
  resolve(nameOrAlias: string): string | undefined {
    return this.#specs.has(nameOrAlias) ? nameOrAlias : this.#aliases.get(nameOrAlias);
  }

  spec(name: string): ServiceSpec {
    const s = this.#specs.get(name);
    if (!s) throw new Error(`unknown service ${JSON.stringify(name)}`);
    return s;
  }

  requiresOf(name: string): readonly Requirement[] {
    return this.spec(name).requires;
  }

  wantsOf(name: string): readonly string[] {
    return this.spec(name).wants;
  }

  afterOf(name: string): readonly string[] {
    return this.spec(name).after;
  }

  /** Services that require `name` directly (hard dependents), in config order. */
  dependentsOf(name: string): readonly string[] {
    this.spec(name);
    return this.#dependents.get(name)!;
  }

  /** `names` plus everything they require or want, transitively, in config order. */
  startSet(names: Iterable<string>): string[] {
    return this.#closure(names, (n) => {
      const s = this.spec(n);
      return [...s.requires.map((r) => r.service), ...s.wants];
    });
  }

  /** `names` plus everything that requires them, transitively, in config order. */
  stopSet(names: Iterable<string>): string[] {
    return this.#closure(names, (n) => this.#dependents.get(n)!);
  }

  /** `names` in layers: a service comes after everything in the set it requires or is ordered
   *  after; each layer can start in parallel once the layers before it are satisfied. */
  startOrder(names: Iterable<string>): string[][] {
    return layers(this.#inOrder(new Set(names)), (n) => this.#ordering.get(n)!);
  }

  /** The start layers reversed: dependents stop before what they depend on. */
  stopOrder(names: Iterable<string>): string[][] {
    return this.startOrder(names).reverse();
  }

  /** Elementary cycles over requires + after edges (at most `limit`), each starting at its
   *  service defined first: ["a", "b"] is a → b → a. */
  findCycles(limit = Infinity): string[][] {
    const index = new Map(this.#names.map((n, i) => [n, i]));
    const adj = this.#names.map((n) => this.#ordering.get(n)!.map((d) => index.get(d)!));
    return elementaryCycles(this.#names.length, adj, limit).map((c) => c.map((i) => this.#names[i]!));
  }

  /** The requires and after dependencies of `name` that do not yet hold, for "waiting on …". A
   *  dependency both required and ordered after is asked about once, with its condition. */
  waitingOn(name: string, isSatisfied: (dep: string, condition: WaitCondition) => boolean): Waiting[] {
    const s = this.spec(name);
    const asked = new Set<string>();
    const out: Waiting[] = [];
    const ask = (service: string, condition: WaitCondition): void => {
      if (asked.has(service) || !this.#specs.has(service)) return;
      asked.add(service);
      if (!isSatisfied(service, condition)) out.push({ service, condition });
    };
    for (const r of s.requires) ask(r.service, r.condition);
    for (const a of s.after) ask(a, 'after');
    return out;
  }

  #closure(start: Iterable<string>, next: (n: string) => readonly string[]): string[] {
    const seen = new Set<string>();
    const todo = [...start];
    for (const n of todo) this.spec(n);
    while (todo.length > 0) {
      const n = todo.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of next(n)) if (this.#specs.has(m) && !seen.has(m)) todo.push(m);
    }
    return this.#inOrder(seen);
  }

  /** The given names in config order; throws on an unknown one. */
  #inOrder(set: ReadonlySet<string>): string[] {
    for (const n of set) this.spec(n);
    return this.#names.filter((n) => set.has(n));
  }
}
