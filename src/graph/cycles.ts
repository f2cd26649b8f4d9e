// Cycles in a directed graph of vertex indices: strongly connected components (Tarjan) and the
// elementary cycles within them (Johnson, 1975), each cycle found once. Pure.

/** Strongly connected components of the subgraph induced by `vertices` (Tarjan, iterative). */
export function stronglyConnected(vertices: readonly number[], adj: (v: number) => readonly number[]): number[][] {
  const allowed = new Set(vertices);
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  const visit = (v: number): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
  };
  for (const root of vertices) {
    if (index.has(root)) continue;
    visit(root);
    const work: [number, number][] = [[root, 0]]; // vertex, next edge to look at
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const v = top[0];
      const edges = adj(v);
      if (top[1] < edges.length) {
        const w = edges[top[1]++]!;
        if (!allowed.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(v)!));
      if (low.get(v) !== index.get(v)) continue;
      const comp: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp.sort((a, b) => a - b));
    }
  }
  return out;
}

/** Every elementary cycle (at most `limit`), each as its vertices starting from its lowest one,
 *  ordered by that vertex. A cycle a → b → a is [a, b]; a self-loop is [a]. */
export function elementaryCycles(n: number, adj: readonly (readonly number[])[], limit = Infinity): number[][] {
  const out: number[][] = [];
  const next = (v: number): readonly number[] => adj[v] ?? [];
  const all = Array.from({ length: n }, (_, i) => i);
  const comps = stronglyConnected(all, next).sort((a, b) => a[0]! - b[0]!);
  for (const comp of comps) {
    for (const [k, s] of comp.entries()) {
      if (out.length >= limit) return out;
      // Johnson: cycles whose lowest vertex is s lie in s's component of the graph on {v ≥ s}.
      const within = stronglyConnected(comp.slice(k), next).find((c) => c[0] === s)!;
      if (within.length > 1 || next(s).includes(s)) circuits(s, new Set(within), next, out, limit);
    }
  }
  return out;
}

/** Johnson's CIRCUIT from s, within one component. */
function circuits(s: number, within: ReadonlySet<number>, next: (v: number) => readonly number[], out: number[][], limit: number): void {
  const blocked = new Set<number>();
  const blockers = new Map<number, Set<number>>();
  const path: number[] = [];
  const unblock = (u: number): void => {
    blocked.delete(u);
    const waiting = blockers.get(u);
    blockers.delete(u);
    for (const w of waiting ?? []) if (blocked.has(w)) unblock(w);
  };
  const circuit = (v: number): boolean => {
    let found = false;
    path.push(v);
    blocked.add(v);
    for (const w of next(v)) {
      if (out.length >= limit) break;
      if (!within.has(w)) continue;
      if (w === s) {
        out.push([...path]);
        found = true;
      } else if (!blocked.has(w) && circuit(w)) found = true;
    }
    if (found) unblock(v);
    else {
      for (const w of next(v)) {
        if (!within.has(w)) continue;
        const set = blockers.get(w) ?? new Set<number>();
        blockers.set(w, set.add(v));
      }
    }
    path.pop();
    return found;
  };
  circuit(s);
}
