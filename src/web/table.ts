// The services table: state (colour and text), readiness and time to ready, PID, uptime,
// restarts, CPU and memory. Rows are replaced only when what they show changed.
import type { ServiceSummary } from '../protocol/api.js';
import { buttons } from './actions.js';
import { h } from './dom.js';
import { bytes, span } from './format.js';
import type { Store } from './store.js';

const HEAD = ['Service', 'State', 'Readiness', 'Ready in', 'PID', 'Uptime', 'Restarts', 'CPU', 'Memory', ''];

function cells(store: Store, s: ServiceSummary, now: number): string[] {
  const u = store.usage?.services.find((x) => x.name === s.name && x.pid === s.pid);
  const up = s.pid !== null && (s.state === 'running' || s.state === 'unhealthy');
  const none = s.readiness.startsWith('none');
  return [
    s.name,
    s.unready ? `${s.state} (not ready)` : s.state,
    none ? 'none' : s.readiness,
    none || s.timeToReadyMs === null ? '-' : span(s.timeToReadyMs),
    s.pid === null ? '-' : String(s.pid),
    up ? span(now - Date.parse(s.since)) : `- (${span(now - Date.parse(s.since))})`,
    String(s.restarts),
    u?.cpuPercent == null ? '-' : `${u.cpuPercent.toFixed(1)} %`,
    u ? bytes(u.memoryBytes) : '-',
  ];
}

function row(store: Store, s: ServiceSummary, c: string[]): HTMLTableRowElement {
  const tr = h('tr', { 'data-service': s.name, class: `st-${s.state}`, onclick: () => (location.hash = `#/service/${encodeURIComponent(s.name)}`) });
  c.forEach((text, i) => {
    if (i === 0) tr.append(h('td', {}, h('a', { href: `#/service/${encodeURIComponent(s.name)}` }, text)));
    else if (i === 1) tr.append(h('td', {}, h('span', { class: `state st-${s.state}`, 'data-state': s.state, title: s.reason ?? s.unready ?? '' }, text)));
    else tr.append(h('td', { class: i >= 3 ? 'num' : '' }, text));
  });
  tr.append(h('td', {}, buttons(store, s.name)));
  return tr;
}

/** Mounts the table into `root`; returns a function that updates it. */
export function servicesView(store: Store, root: HTMLElement): () => void {
  const body = h('tbody');
  const summary = h('p', { class: 'summary' });
  root.append(h('h1', {}, 'Services'), summary, h('table', { class: 'services' }, h('thead', {}, h('tr', {}, ...HEAD.map((x) => h('th', {}, x)))), body));
  const seen = new Map<string, { sig: string; tr: HTMLTableRowElement }>();
  return () => {
    const st = store.status;
    if (!st) return;
    const now = Date.now();
    const counts = new Map<string, number>();
    for (const s of st.services) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
    summary.textContent = st.services.length === 0 ? 'No services defined.' : [...counts].map(([k, v]) => `${v} ${k}`).join(' · ');
    const rows: HTMLTableRowElement[] = [];
    for (const s of st.services) {
      const c = cells(store, s, now);
      const sig = JSON.stringify([c, s.reason, s.unready, store.access?.services[s.name]]);
      const old = seen.get(s.name);
      const tr = old && old.sig === sig ? old.tr : row(store, s, c);
      seen.set(s.name, { sig, tr });
      rows.push(tr);
    }
    for (const name of [...seen.keys()]) if (!st.services.some((s) => s.name === name)) seen.delete(name);
    if (rows.length !== body.children.length || rows.some((r, i) => body.children[i] !== r)) body.replaceChildren(...rows);
  };
}
