// The fleet: the other kelpie nodes this daemon links to ([remotes], docs/fleet.md), each with
// its link state and the services it shows, from GET /v1/fleet. Refetched as events arrive, at
// most once a second. A capability limited to some services may not see the fleet: the panel
// says so.
import type { FleetNode } from '../protocol/api.js';
import { ApiError, get } from './api.js';
import { h } from './dom.js';
import type { Store } from './store.js';

const MIN_GAP_MS = 1000;

/** Mounts the fleet panel; returns its update function. */
export function fleetView(_store: Store, root: HTMLElement): () => void {
  const body = h('div', { class: 'fleet' });
  root.append(h('h1', {}, 'Fleet'), body);
  let last = 0;
  let pending = false;

  const render = (nodes: readonly FleetNode[]): void => {
    if (nodes.length === 0) {
      body.replaceChildren(h('p', { class: 'dim', 'data-fleet': 'none' }, 'No remotes are configured for this kelpie. Nodes named in [remotes] are listed here (docs/fleet.md).'));
      return;
    }
    body.replaceChildren(
      h('table', { class: 'services' },
        h('thead', {}, h('tr', {}, ...['Node', 'Address', 'Link', 'Services'].map((x) => h('th', {}, x)))),
        h('tbody', {}, ...nodes.map((n) => h('tr', { 'data-remote': n.name },
          h('td', {}, n.name),
          h('td', { class: 'dim' }, n.where),
          h('td', {}, h('span', { class: `state st-${n.link === 'up' ? 'running' : n.link === 'connecting' ? 'starting' : 'failed'}` }, n.link), n.error ? h('span', { class: 'dim' }, ` ${n.error}`) : ''),
          h('td', {}, ...n.services.map((s) => h('span', { class: `state st-${s.state}`, title: s.reason ?? s.state }, `${s.name}: ${s.state}`))),
        ))),
      ),
    );
  };

  const fetchNow = (): void => {
    pending = false;
    last = Date.now();
    get<FleetNode[]>('/v1/fleet').then(render, (err: unknown) => {
      const why = err instanceof ApiError && err.code === 'KELPIE_E_FORBIDDEN' ? 'This capability may not see the fleet (it is limited to some services).' : `Cannot load the fleet: ${(err as Error).message}`;
      body.replaceChildren(h('p', { class: 'dim', 'data-fleet': 'error' }, why));
    });
  };

  return () => {
    if (pending) return;
    const wait = last + MIN_GAP_MS - Date.now();
    if (wait <= 0) fetchNow();
    else {
      pending = true;
      setTimeout(fetchNow, wait);
    }
  };
}
