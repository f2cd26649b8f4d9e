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
    up ? span(now - Date.parse(s.since)) : '-',
    String(s.restarts),
    u?.cpuPercent == null ? '-' : `${u.cpuPercent.toFixed(1)} %`,
    u ? bytes(u.memoryBytes) : '-',
  ];
}

/** One row, kept for the service's lifetime on the page: cells change in place, so a button
 *  is never replaced under the pointer by a tick of the uptime. */
interface Row {
  readonly tr: HTMLTableRowElement;
  readonly tds: HTMLTableCellElement[];
  readonly badge: HTMLElement;
  /** Why it is in this state (or not ready), beside the badge. */
  readonly why: HTMLElement;
  readonly actions: HTMLTableCellElement;
  allowed: string;
}

function makeRow(name: string): Row {
  const href = `#/service/${encodeURIComponent(name)}`;
  const tr = h('tr', { 'data-service': name, onclick: () => (location.hash = href) });
  const badge = h('span', { class: 'state' });
  const why = h('span', { class: 'why' });
  const tds: HTMLTableCellElement[] = [];
  for (let i = 0; i < HEAD.length - 1; i++) {
    const td = h('td', { class: i >= 3 ? 'num' : '' });
    if (i === 0) td.append(h('a', { href }, name));
    if (i === 1) td.append(badge, why);
    tds.push(td);
    tr.append(td);
  }
  const actions = h('td');
  tr.append(actions);
  return { tr, tds, badge, why, actions, allowed: '' };
}

function fill(store: Store, r: Row, s: ServiceSummary, c: string[]): void {
  r.tr.className = `st-${s.state}`;
  c.forEach((text, i) => {
    if (i === 0) return;
    const el = i === 1 ? r.badge : r.tds[i]!;
    if (el.textContent !== text) el.textContent = text;
  });
  r.badge.className = `state st-${s.state}`;
  r.badge.dataset['state'] = s.state;
  const why = s.unready ?? (s.state === 'running' ? '' : (s.reason ?? ''));
  if (r.why.textContent !== why) r.why.textContent = why;
  r.why.title = why;
  const allowed = JSON.stringify(store.access?.services[s.name] ?? []);
  if (allowed !== r.allowed) {
    r.allowed = allowed;
    r.actions.replaceChildren(buttons(store, s.name));
  }
}

/** Mounts the table into `root`; returns a function that updates it. */
export function servicesView(store: Store, root: HTMLElement): () => void {
  const body = h('tbody');
  const summary = h('p', { class: 'summary' });
  root.append(h('h1', {}, 'Services'), summary, h('table', { class: 'services' }, h('thead', {}, h('tr', {}, ...HEAD.map((x) => h('th', {}, x)))), body));
  const rows = new Map<string, Row>();
  return () => {
    const st = store.status;
    if (!st) return;
    const now = Date.now();
    const counts = new Map<string, number>();
    for (const s of st.services) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
    summary.textContent = st.services.length === 0 ? 'No services defined.' : [...counts].map(([k, v]) => `${v} ${k}`).join(' · ');
    const order: HTMLTableRowElement[] = [];
    for (const s of st.services) {
      let r = rows.get(s.name);
      if (!r) rows.set(s.name, (r = makeRow(s.name)));
      fill(store, r, s, cells(store, s, now));
      order.push(r.tr);
    }
    for (const name of [...rows.keys()]) if (!st.services.some((s) => s.name === name)) rows.delete(name);
    if (order.length !== body.children.length || order.some((r, i) => body.children[i] !== r)) body.replaceChildren(...order);
  };
}
