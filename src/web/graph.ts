// The dependency graph, laid out by dagre (left to right: what is needed comes first) and
// drawn as SVG; each box is coloured by its service's state and links to its page.
import dagre from '@dagrejs/dagre';
import type { GraphResult } from '../protocol/api.js';
import { ApiError, get } from './api.js';
import { h, svg } from './dom.js';
import type { Store } from './store.js';

const CHAR_W = 8;

/** Mounts the graph; returns a function that recolours it by state. */
export function graphView(store: Store, root: HTMLElement): () => void {
  const holder = h('div', { class: 'graph' }, h('p', { class: 'dim' }, 'loading…'));
  root.append(h('h1', {}, 'Dependency graph'), h('p', { class: 'dim' }, 'Arrows point from a service to what it needs: solid requires, dashed wants, dotted after.'), holder);
  let boxes = new Map<string, SVGElement>();

  const draw = (gr: GraphResult): void => {
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 12, marginy: 12 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of gr.nodes) g.setNode(n.name, { width: Math.max(90, n.name.length * CHAR_W + 40), height: 40 });
    // Laid out from dependency to dependent, so start order reads left to right.
    for (const e of gr.edges) g.setEdge(e.to, e.from, { label: e.label });
    dagre.layout(g);
    const { width = 0, height = 0 } = g.graph() as { width?: number; height?: number };
    const root = svg('svg', { width: Math.max(width, 200), height: Math.max(height, 60), viewBox: `0 0 ${Math.max(width, 200)} ${Math.max(height, 60)}`, role: 'img', 'aria-label': 'dependency graph' });
    root.append(svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }))));
    for (const e of gr.edges) {
      const pts = (g.edge(e.to, e.from) as { points?: Array<{ x: number; y: number }> } | undefined)?.points ?? [];
      if (pts.length === 0) continue;
      const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      // The arrow points at what is needed: the path's start.
      root.append(svg('path', { d, class: `edge edge-${e.label === 'wants' || e.label === 'after' ? e.label : 'requires'}`, 'marker-start': 'url(#arrow)' }));
    }
    boxes = new Map();
    for (const n of gr.nodes) {
      const p = g.node(n.name) as { x: number; y: number; width: number; height: number };
      const state = store.service(n.name)?.state ?? 'stopped';
      const rect = svg('rect', { x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height, rx: n.kind === 'oneshot' ? 18 : 5 });
      const a = svg('a', { href: `#/service/${encodeURIComponent(n.name)}`, class: `node st-${state}`, 'data-node': n.name, 'data-state': state },
        rect, svg('text', { x: p.x, y: p.y - 3, 'text-anchor': 'middle' }, n.name), svg('text', { x: p.x, y: p.y + 12, 'text-anchor': 'middle', class: 'sub' }, n.kind === 'longrun' ? state : `${n.kind} · ${state}`));
      boxes.set(n.name, a);
      root.append(a);
    }
    holder.replaceChildren(gr.nodes.length === 0 ? h('p', { class: 'dim' }, 'No services.') : root);
  };
  get<GraphResult>('/v1/graph').then(draw, (err: unknown) => holder.replaceChildren(h('p', { class: 'bad' }, err instanceof ApiError ? err.message : String(err))));

  return () => {
    for (const [name, el] of boxes) {
      const s = store.service(name);
      const state = s?.state ?? 'stopped';
      if (el.getAttribute('data-state') === state) continue;
      el.setAttribute('class', `node st-${state}`);
      el.setAttribute('data-state', state);
      const sub = el.querySelector('text.sub');
      if (sub) sub.textContent = (sub.textContent ?? '').replace(/[a-z]+$/, state);
    }
  };
}
