import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DepGraph } from '../../src/graph/index.js';
import { loadOk } from '../config/helpers.js';

/** A small deterministic PRNG (mulberry32), so the generated config is the same every run. */
function random(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
}

test('1000 services in a DAG of depth 10 load through loadConfig and start in 10 valid layers', () => {
  const LEVELS = 10;
  const WIDTH = 100;
  const rnd = random(42);
  const name = (level: number, i: number): string => `l${level}-s${i}`;
  const lines: string[] = [];
  for (let level = 0; level < LEVELS; level++) {
    for (let i = 0; i < WIDTH; i++) {
      lines.push(`[services."${name(level, i)}"]`, 'command = "true"');
      if (level === 0) {
        lines.push(`provides = ["alias-${i}"]`, '');
        continue;
      }
      // At least one requirement on the level just below fixes the depth; more from any level below.
      const requires = new Set([name(level - 1, rnd(WIDTH))]);
      for (let k = rnd(3); k > 0; k--) requires.add(name(rnd(level), rnd(WIDTH)));
      const items = [...requires].map((r) => (r.startsWith('l0-') ? `"alias-${r.slice(4)}"` : `{ service = "${r}", condition = "${rnd(2) ? 'ready' : 'started'}" }`));
      lines.push(`requires = [${items.join(', ')}]`);
      const after = name(rnd(level), rnd(WIDTH));
      if (!requires.has(after)) lines.push(`after = ["${after}"]`);
      const wanted = name(rnd(LEVELS), rnd(WIDTH)); // any level: wants never order, never cycle
      lines.push(`wants = ["${wanted === name(level, i) ? name(0, 0) : wanted}"]`, '');
    }
  }
  const { config } = loadOk({ 'kelpie.toml': lines.join('\n') });
  assert.equal(Object.keys(config.services).length, LEVELS * WIDTH);

  const g = new DepGraph(config.services);
  assert.deepEqual(g.findCycles(), []);
  const order = g.startOrder(g.names);
  assert.equal(order.length, LEVELS);
  const layerOf = new Map<string, number>();
  order.forEach((layer, k) => layer.forEach((n) => layerOf.set(n, k)));
  assert.equal(layerOf.size, LEVELS * WIDTH, 'every service exactly once');
  for (const [n, spec] of Object.entries(config.services)) {
    assert.equal(layerOf.get(n), Number(n.slice(1, n.indexOf('-'))), `${n} is in its level's layer`);
    for (const d of [...spec.requires.map((r) => r.service), ...spec.after]) assert.ok(layerOf.get(d)! < layerOf.get(n)!, `${d} before ${n}`);
  }
  assert.deepEqual(g.stopOrder(g.names), [...order].reverse());
  // Starting one top-level service starts its level-0 requirements among others, in order.
  const top = order[LEVELS - 1]![0]!;
  const set = g.startSet([top]);
  assert.ok(set.some((n) => n.startsWith('l0-')));
  assert.equal(g.startOrder(set).at(-1)!.includes(top), true);
});
