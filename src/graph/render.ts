// The dependency graph as text people read, and as Graphviz DOT. Pure.
import type { DepGraph } from './graph.js';

/** Which services a rendering shows; an edge is shown only when both its ends are. */
export type Visible = (name: string) => boolean;

const all: Visible = () => true;

/** One line per service, in config order:
 *  `web → db (ready), cache (wants), log (after)`; `migrate [oneshot]`; `db (provides: database)`. */
export function toText(graph: DepGraph, see: Visible = all): string {
  const lines = graph.names.filter((n) => see(n)).map((name) => {
    const s = graph.spec(name);
    const kind = s.kind === 'longrun' ? '' : ` [${s.kind}]`;
    const provides = s.provides.length > 0 ? ` (provides: ${s.provides.join(', ')})` : '';
    const edges = edgesOf(graph, name).filter((e) => see(e.to)).map((e) => `${e.to} (${e.label})`);
    return `${name}${kind}${provides}${edges.length > 0 ? ` → ${edges.join(', ')}` : ''}`;
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** `digraph kelpie { … }`: requires solid (labelled with the condition), wants dashed, after
 *  dotted; oneshots are ellipses, targets diamonds, longruns boxes. */
export function toDot(graph: DepGraph, see: Visible = all): string {
  const shape = { longrun: 'box', oneshot: 'ellipse', target: 'diamond', timer: 'octagon' } as const;
  const out = ['digraph kelpie {', '  node [shape=box];'];
  const names = graph.names.filter((n) => see(n));
  for (const name of names) {
    const kind = graph.spec(name).kind;
    out.push(kind === 'longrun' ? `  ${q(name)};` : `  ${q(name)} [shape=${shape[kind]}];`);
  }
  for (const name of names) {
    for (const e of edgesOf(graph, name).filter((x) => see(x.to))) {
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
