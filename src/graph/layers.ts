// Topological layering (Kahn): each layer holds the nodes whose dependencies are all in
// earlier layers, so a layer can be started in parallel once the layers before it are. Pure.

/** Layers of `nodes` (in the order given within each layer); `deps(n)` lists distinct nodes n
 *  must follow; dependencies outside `nodes` are ignored. Throws on a cycle. */
export function layers(nodes: readonly string[], deps: (n: string) => readonly string[]): string[][] {
  const rank = new Map(nodes.map((n, i) => [n, i]));
  const pending = new Map<string, number>();
  const followers = new Map<string, string[]>();
  for (const n of nodes) {
    const ds = deps(n).filter((d) => rank.has(d));
    pending.set(n, ds.length);
    for (const d of ds) {
      const list = followers.get(d);
      if (list) list.push(n);
      else followers.set(d, [n]);
    }
  }
  const out: string[][] = [];
  let layer = nodes.filter((n) => pending.get(n) === 0);
  let placed = 0;
  while (layer.length > 0) {
    out.push(layer);
    placed += layer.length;
    const next: string[] = [];
    for (const n of layer) {
      for (const f of followers.get(n) ?? []) {
        const left = pending.get(f)! - 1;
        pending.set(f, left);
        if (left === 0) next.push(f);
      }
    }
    layer = next.sort((a, b) => rank.get(a)! - rank.get(b)!);
  }
  if (placed < nodes.length) {
    const stuck = nodes.filter((n) => pending.get(n)! > 0);
    throw new Error(`dependency cycle among: ${stuck.join(', ')}`);
  }
  return out;
}
