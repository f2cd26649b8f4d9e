// The fleet: remote kelpie nodes, listed only when the daemon's status carries them (the
// fleet links are not in this build's API yet; this panel shows whatever arrives).
import { h } from './dom.js';
import type { Store } from './store.js';

interface Remote {
  readonly name?: string;
  readonly address?: string;
  readonly state?: string;
  readonly services?: readonly unknown[];
}

function remotesOf(status: unknown): Remote[] | null {
  const s = status as { remotes?: unknown; fleet?: { remotes?: unknown } | unknown[] } | null;
  const list = s?.remotes ?? (Array.isArray(s?.fleet) ? s?.fleet : (s?.fleet as { remotes?: unknown } | undefined)?.remotes);
  return Array.isArray(list) ? (list as Remote[]) : null;
}

/** Mounts the fleet panel; returns its update function. */
export function fleetView(store: Store, root: HTMLElement): () => void {
  const body = h('div', { class: 'fleet' });
  root.append(h('h1', {}, 'Fleet'), body);
  return () => {
    const remotes = remotesOf(store.status);
    if (!remotes || remotes.length === 0) {
      body.replaceChildren(h('p', { class: 'dim', 'data-fleet': 'none' }, 'No remotes are configured for this kelpie. When it is linked to other nodes, they are listed here.'));
      return;
    }
    body.replaceChildren(h('table', { class: 'services' },
      h('thead', {}, h('tr', {}, ...['Remote', 'Address', 'State', 'Services'].map((x) => h('th', {}, x)))),
      h('tbody', {}, ...remotes.map((r) => h('tr', { 'data-remote': r.name ?? '' }, h('td', {}, r.name ?? '-'), h('td', {}, r.address ?? '-'),
        h('td', {}, h('span', { class: `state st-${r.state ?? 'stopped'}` }, r.state ?? 'unknown')), h('td', { class: 'num' }, String(r.services?.length ?? '-')))))));
  };
}
