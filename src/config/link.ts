// Cross-service checks, once every file is read: aliases (provides), the names in requires,
// wants and after (resolved to real service names), requirement conditions, and cycles.
import { DepGraph } from '../graph/graph.js';
import { didYouMean, type Issues } from './issues.js';
import type { Located } from './check.js';
import type { DepItem } from './refs.js';
import type { BaseSpec } from './service.js';
import type { Loc } from './toml.js';
import type { Requirement, ServiceKind, ServiceSpec } from './types.js';

/** One service as read: its checked table, and its spec when that could be built. */
export interface Draft {
  readonly name: string;
  /** The file defining it, as named in messages. */
  readonly display: string;
  /** `file:line` of its [services.NAME] key, as named in messages. */
  readonly at: string;
  readonly sink: Issues;
  /** The checked table (check.ts); keys with invalid values are absent. */
  readonly checked: Readonly<Record<string, unknown>>;
  readonly base: BaseSpec | undefined;
}

type ListKey = 'requires' | 'wants' | 'after';
const ITSELF: Record<ListKey, string> = { requires: 'cannot require itself', wants: 'cannot want itself', after: 'cannot be ordered after itself' };
/** At most this many cycles are reported. */
const MAX_CYCLES = 20;

/** A resolved reference and where it was written. */
interface Ref {
  readonly to: string;
  /** The name or alias as written. */
  readonly written: string;
  readonly index: number;
  readonly loc: Loc;
}

/** Where an ordering edge (requires or after) was written, for cycle messages. */
interface EdgeAt extends Ref {
  readonly key: 'requires' | 'after';
  readonly from: Draft;
}

/** Resolves every draft's dependencies, reporting problems to the drafts' sinks; returns the specs
 *  of the drafts that had one (complete only when nothing was reported). */
export function link(drafts: readonly Draft[]): Record<string, ServiceSpec> {
  const byName = new Map(drafts.map((d) => [d.name, d]));
  const aliases = collectAliases(drafts, byName);
  const candidates = [...byName.keys(), ...aliases.keys()];
  const resolve = (n: string): string | undefined => (byName.has(n) ? n : aliases.get(n)?.owner.name);
  const services = Object.create(null) as Record<string, ServiceSpec>;
  const edges = new Map<string, Map<string, EdgeAt>>();

  for (const d of drafts) {
    const list = (key: ListKey, items: readonly Located[]): Ref[] => resolveRefs(d, key, items, resolve, candidates);
    const items = (d.checked['requires'] as DepItem[] | undefined) ?? [];
    const requires: Requirement[] = [];
    for (const r of list('requires', items.map((i) => ({ value: i.service, loc: i.loc })))) {
      const item = items[r.index]!;
      const kind = byName.get(r.to)!.checked['kind'] as ServiceKind | undefined;
      if (kind === 'timer') {
        d.sink.add(item.loc, `services.${d.name}.requires[${r.index}]`, {
          message: `a timer cannot be a requirement: ${JSON.stringify(r.to)} (defined at ${byName.get(r.to)!.at}) is a timer`,
          hint: `a timer runs at its own times and nothing waits for it; remove it from requires (wants = [${JSON.stringify(r.written)}] starts its schedule along with this service)`,
        });
        continue;
      }
      if (item.condition === 'completed' && kind !== undefined && kind !== 'oneshot') {
        d.sink.add(item.conditionLoc ?? item.loc, `services.${d.name}.requires[${r.index}].condition`, {
          message: `condition "completed" needs a oneshot, but ${JSON.stringify(r.to)} (defined at ${byName.get(r.to)!.at}) is a ${kind}`,
          hint: `use condition = "ready" or "started", or make ${r.to} kind = "oneshot"`,
        });
      }
      const condition = kind === 'oneshot' && (item.condition ?? 'ready') === 'ready' ? 'completed' : (item.condition ?? 'ready');
      requires.push({ service: r.to, condition, line: r.loc.line });
      addEdge(edges, { ...r, key: 'requires', from: d });
    }
    const wants = list('wants', (d.checked['wants'] as Located[] | undefined) ?? []);
    const after = list('after', (d.checked['after'] as Located[] | undefined) ?? []);
    for (const r of after) addEdge(edges, { ...r, key: 'after', from: d });
    if (d.base) services[d.name] = { ...d.base, requires, wants: wants.map((r) => r.to), after: after.map((r) => r.to) };
  }

  for (const cycle of new DepGraph(services).findCycles(MAX_CYCLES)) reportCycle(cycle, edges);
  return services;
}

/** alias → the service providing it; reports aliases that clash with a name or another alias. */
function collectAliases(drafts: readonly Draft[], byName: ReadonlyMap<string, Draft>): Map<string, { owner: Draft; at: string }> {
  const aliases = new Map<string, { owner: Draft; at: string }>();
  for (const d of drafts) {
    for (const [i, a] of ((d.checked['provides'] as Located[] | undefined) ?? []).entries()) {
      const here = `${d.display}:${a.loc.line}`;
      const field = `services.${d.name}.provides[${i}]`;
      const alias = JSON.stringify(a.value);
      const named = byName.get(a.value);
      const prior = aliases.get(a.value);
      const hint = 'aliases and service names share one namespace; choose another alias';
      if (named === d) d.sink.add(a.loc, field, { message: `alias ${alias} is the name of this service`, hint: 'remove it: a service is always known by its own name' });
      else if (named) d.sink.add(a.loc, field, { message: `alias ${alias} of service "${d.name}" (at ${here}) is already the name of the service defined at ${named.at}`, hint });
      else if (prior?.owner === d) d.sink.add(a.loc, field, { message: `alias ${alias} is listed twice in provides (first at ${prior.at})` });
      else if (prior) d.sink.add(a.loc, field, { message: `alias ${alias} of service "${d.name}" (at ${here}) is already provided by service "${prior.owner.name}" at ${prior.at}`, hint });
      else aliases.set(a.value, { owner: d, at: here });
    }
  }
  return aliases;
}

/** Resolves names and aliases; reports unknown names, the service itself, and repeats. */
function resolveRefs(d: Draft, key: ListKey, items: readonly Located[], resolve: (n: string) => string | undefined, candidates: readonly string[]): Ref[] {
  const out: Ref[] = [];
  const seen = new Map<string, Loc>();
  for (const [index, item] of items.entries()) {
    const field = `services.${d.name}.${key}[${index}]`;
    const to = resolve(item.value);
    const name = JSON.stringify(item.value);
    if (to === undefined) {
      const hint = didYouMean(item.value, candidates) ?? definedHint(candidates);
      d.sink.add(item.loc, field, { message: `unknown service ${name} in ${key}`, received: name, ...(hint && { hint }) });
      continue;
    }
    const via = to === item.value ? '' : ` (${name} is an alias of "${to}")`;
    const first = seen.get(to);
    if (to === d.name) d.sink.add(item.loc, field, { message: `service "${d.name}" ${ITSELF[key]}${via}` });
    else if (first) d.sink.add(item.loc, field, { message: `"${to}" is listed twice in ${key}${via}; first at line ${first.line}`, hint: 'list each service once' });
    else {
      seen.set(to, item.loc);
      out.push({ to, written: item.value, index, loc: item.loc });
    }
  }
  return out;
}

function definedHint(candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return 'no services are defined';
  const shown = candidates.slice(0, 10).join(', ');
  return `defined: ${shown}${candidates.length > 10 ? `, … (${candidates.length} in all)` : ''}`;
}

/** Keeps the first edge written between two services (requires before after). */
function addEdge(edges: Map<string, Map<string, EdgeAt>>, e: EdgeAt): void {
  let m = edges.get(e.from.name);
  if (!m) edges.set(e.from.name, (m = new Map()));
  if (!m.has(e.to)) m.set(e.to, e);
}

/** `dependency cycle: a → b → a`, at the first edge, with every edge's place in the hint. */
function reportCycle(cycle: readonly string[], edges: ReadonlyMap<string, ReadonlyMap<string, EdgeAt>>): void {
  const steps = cycle.map((from, i) => edges.get(from)!.get(cycle[(i + 1) % cycle.length]!)!);
  const first = steps[0]!;
  const lines = steps.map((e) => `    ${e.from.display}:${e.loc.line}: ${e.from.name} ${e.key} ${e.to}${e.written === e.to ? '' : ` (as "${e.written}")`}`);
  first.from.sink.add(first.loc, `services.${first.from.name}.${first.key}[${first.index}]`, {
    message: `dependency cycle: ${[...cycle, cycle[0]].join(' → ')}`,
    hint: `remove one of these edges:\n${lines.join('\n')}`,
  });
}
