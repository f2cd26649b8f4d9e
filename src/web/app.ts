// The dashboard page: loads what the capability may see, keeps it live over the event and
// usage streams, and routes between the views by the URL's hash.
import { ApiError } from './api.js';
import { h } from './dom.js';
import { fleetView } from './fleet.js';
import { graphView } from './graph.js';
import { serviceView } from './service.js';
import { Store } from './store.js';
import { servicesView } from './table.js';

const store = new Store();
const main = document.getElementById('main')!;
let update: () => void = () => {};
let close: () => void = () => {};

function route(): void {
  close();
  close = () => {};
  main.replaceChildren();
  const hash = location.hash || '#/';
  const m = /^#\/service\/(.+)$/.exec(hash);
  const view = m ? 'service' : hash === '#/graph' ? 'graph' : hash === '#/fleet' ? 'fleet' : 'services';
  for (const a of document.querySelectorAll<HTMLElement>('nav a')) a.classList.toggle('active', a.dataset['nav'] === view || (view === 'service' && a.dataset['nav'] === 'services'));
  if (m) {
    const v = serviceView(store, main, decodeURIComponent(m[1]!));
    update = v.update;
    close = v.close;
  } else if (view === 'graph') update = graphView(store, main);
  else if (view === 'fleet') update = fleetView(store, main);
  else update = servicesView(store, main);
  update();
}

function header(): void {
  const conn = document.getElementById('conn')!;
  conn.dataset['conn'] = store.connected;
  conn.textContent = store.connected === 'live' ? '● live' : store.connected === 'lost' ? '● disconnected: run kelpie dashboard again' : '● connecting…';
  const d = store.status?.daemon;
  const access = store.access;
  document.getElementById('daemon')!.textContent = d
    ? `${d.version} · ${d.config}${access && !access.actions.some((a) => a === 'start' || a === 'stop' || a === 'restart') ? ' · read-only' : ''}`
    : '';
}

store.on(() => {
  header();
  update();
});
window.addEventListener('hashchange', route);
setInterval(() => update(), 1000); // uptimes tick; nothing is fetched

store.load().then(route, (err: unknown) => {
  const e = err instanceof ApiError ? err : null;
  store.connected = 'lost';
  header();
  main.replaceChildren(h('section', { class: 'card', 'data-error': e?.code ?? 'error' },
    h('h1', {}, e?.status === 401 ? 'Not logged in' : 'Cannot load kelpie'),
    h('p', {}, e?.message ?? String(err)),
    h('p', {}, 'Run ', h('code', {}, 'kelpie dashboard'), ' and open the one-time link it prints.')));
});
