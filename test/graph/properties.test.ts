import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DepGraph } from '../../src/graph/index.js';
import { services, type Deps } from './helpers.js';

const RUNS = Number(process.env['KELPIE_FUZZ_RUNS'] ?? 200);
type EdgeType = 'requires' | 'wants' | 'after';
interface Edge { readonly a: number; readonly b: number; readonly type: EdgeType }

/** n services and random edges between them (any direction). */
const graphs = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.record({ a: fc.integer({ min: 0, max: n - 1 }), b: fc.integer({ min: 0, max: n - 1 }), type: fc.constantFrom<EdgeType>('requires', 'wants', 'after') }), { maxLength: n * 3 }),
    picks: fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 5 }),
  }),
);

const name = (i: number): string => `s${i}`;

/** Builds the graph; with `dag`, every edge goes from the higher index to the lower (acyclic). */
function build(n: number, edges: readonly Edge[], dag: boolean): DepGraph {
  const defs: Record<string, Deps> = {};
  for (let i = 0; i < n; i++) defs[name(i)] = { requires: [], wants: [], after: [] };
  for (const e of edges) {
    if (dag && e.a === e.b) continue;
    const [from, to] = dag ? [Math.max(e.a, e.b), Math.min(e.a, e.b)] : [e.a, e.b];
    const list = defs[name(from)]![e.type]! as string[];
    if (!list.includes(name(to))) list.push(name(to));
  }
  return new DepGraph(services(defs));
}

/** requires + after targets of `n`. */
const ordering = (g: DepGraph, n: string): string[] => [...g.requiresOf(n).map((r) => r.service), ...g.afterOf(n)];

function assertValidOrder(g: DepGraph, set: readonly string[], order: readonly (readonly string[])[]): void {
  const layerOf = new Map<string, number>();
  for (const [k, layer] of order.entries()) {
    assert.ok(layer.length > 0, 'no empty layers');
    for (const n of layer) {
      assert.ok(!layerOf.has(n), `${n} appears once`);
      layerOf.set(n, k);
    }
  }
  assert.deepEqual([...layerOf.keys()].sort(), [...set].sort(), 'every node of the set, and nothing else');
  for (const n of set) {
    const deps = ordering(g, n).filter((d) => layerOf.has(d));
    for (const d of deps) assert.ok(layerOf.get(d)! < layerOf.get(n)!, `${d} before ${n}`);
    // As early as possible: a node after layer 0 waits on something in the layer just before.
    if (layerOf.get(n)! > 0) assert.ok(deps.some((d) => layerOf.get(d) === layerOf.get(n)! - 1), `${n} starts as soon as it can`);
  }
}

test('startOrder is a valid topological layering of any subset; stopOrder is its reverse (property)', () => {
  fc.assert(
    fc.property(graphs, ({ n, edges, picks }) => {
      const g = build(n, edges, true);
      assert.deepEqual(g.findCycles(), []);
      const all = g.startOrder(g.names);
      assertValidOrder(g, g.names, all);
      assert.deepEqual(g.stopOrder(g.names), [...all].reverse());
      const subset = [...new Set(picks.map(name))];
      assertValidOrder(g, subset, g.startOrder(subset));
    }),
    { numRuns: RUNS },
  );
});

test('startSet is closed under requires and wants; stopSet under dependents (property)', () => {
  fc.assert(
    fc.property(graphs, ({ n, edges, picks }) => {
      const g = build(n, edges, true);
      const chosen = picks.map(name);
      const start = new Set(g.startSet(chosen));
      for (const c of chosen) assert.ok(start.has(c));
      for (const s of start) {
        for (const r of g.requiresOf(s)) assert.ok(start.has(r.service), `${s} requires ${r.service}`);
        for (const w of g.wantsOf(s)) assert.ok(start.has(w), `${s} wants ${w}`);
      }
      const stop = new Set(g.stopSet(chosen));
      for (const c of chosen) assert.ok(stop.has(c));
      for (const s of stop) for (const d of g.dependentsOf(s)) assert.ok(stop.has(d), `${d} requires ${s}`);
      // Nothing extra: everything in stopSet reaches a chosen service through requires.
      for (const s of stop) assert.ok(chosen.some((c) => reachesByRequires(g, s, c)));
    }),
    { numRuns: RUNS },
  );
});

function reachesByRequires(g: DepGraph, from: string, to: string): boolean {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (n === to) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    todo.push(...g.requiresOf(n).map((r) => r.service));
  }
  return false;
}

test('findCycles on any graph: real, elementary, distinct cycles; none exactly when an order exists (property)', () => {
  fc.assert(
    fc.property(graphs, ({ n, edges }) => {
      const g = build(n, edges, false);
      const cycles = g.findCycles();
      const seen = new Set<string>();
      for (const c of cycles) {
        assert.equal(new Set(c).size, c.length, 'elementary');
        for (const [i, from] of c.entries()) assert.ok(ordering(g, from).includes(c[(i + 1) % c.length]!), 'every step is an edge');
        const first = g.names.indexOf(c[0]!);
        assert.ok(c.every((x) => g.names.indexOf(x) >= first), 'starts at its first-defined service');
        const key = c.join(' ');
        assert.ok(!seen.has(key), 'reported once');
        seen.add(key);
      }
      if (n <= 7) assert.equal(cycles.length, bruteForceCycles(g), 'no cycle missed');
      let ordered = true;
      try {
        g.startOrder(g.names);
      } catch {
        ordered = false;
      }
      assert.equal(ordered, cycles.length === 0);
    }),
    { numRuns: RUNS },
  );
});

/** Counts elementary cycles by trying every simple path from each start through later services. */
function bruteForceCycles(g: DepGraph): number {
  const index = new Map(g.names.map((x, i) => [x, i]));
  let count = 0;
  const walk = (start: string, at: string, path: Set<string>): void => {
    for (const next of new Set(ordering(g, at))) {
      if (next === start) count++;
      else if (index.get(next)! > index.get(start)! && !path.has(next)) walk(start, next, new Set([...path, next]));
    }
  };
  for (const s of g.names) walk(s, s, new Set([s]));
  return count;
}
