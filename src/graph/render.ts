// The dependency graph as text people read, and as Graphviz DOT. Pure.
import type { DepGraph } from './graph.js';

/** One line per service, in config order:
 *  `web → db (ready), cache (wants), log (after)`; `migrate [oneshot]`; `db (provides: database)`. */
export function toText(graph: DepGraph): string {
  const lines = graph.names.map((name) => {
    const s = graph.spec(name);
    const kind = s.kind === 'longrun' ? '' : ` [${s.kind}]`;
    const provides = s.provides.length > 0 ? ` (provides: ${s.provides.join(', ')})` : '';
    const edges = edgesOf(graph, name).map((e) => `${e.to} (${e.label})`);
    return `${name}${kind}${provides}${edges.length > 0 ? ` → ${edges.join(', ')}` : ''}`;
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** `digraph kelpie { … }`: requires solid (labelled with the condition), wants dashed, after
 *  dotted; oneshots are ellipses, targets diamonds, longruns boxes. */
export function toDot(graph: DepGraph): string {
  const shape = { longrun: 'box', oneshot: 'ellipse', target: 'diamond', timer: 'octagon' } as const;
  const out = ['digraph kelpie {', '  node [shape=box];'];
  for (const name of graph.names) {
    const kind = graph.spec(name).kind;
    out.push(kind === 'longrun' ? `  ${q(name)};` : `  ${q(name)} [shape=${shape[kind]}];`);
  }
  for (const name of graph.names) {
    for (const e of edgesOf(graph, name)) {
      const style = e.label === 'wants' ? 'style=dashed, ' : e.label === 'after' ? 'style=dotted, ' : '';
      out.push(`  ${q(name)} -> ${q(e.to)} [${style}label=${q(e.label)}];`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** requires (label: condition), then wants, then after; an after already implied by requires
 *  is left out. */
export function edgesOf(graph: DepGraph, name: string): { to: string; label: string }[] {
  const required = new Set(graph.requiresOf(name).map((r) => r.service));
  return [
    ...graph.requiresOf(name).map((r) => ({ to: r.service, label: r.condition })),
    ...graph.wantsOf(name).map((to) => ({ to, label: 'wants' })),
    ...graph.afterOf(name).filter((to) => !required.has(to)).map((to) => ({ to, label: 'after' })),
  ];
}

/** A DOT quoted identifier. */
function q(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
