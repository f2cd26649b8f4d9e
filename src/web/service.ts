// One service: its configuration, latest exits, recent events, a live log tail (follow and
// search), and the buttons its capability allows.
import type { LogEntry, ServiceDetail } from '../protocol/api.js';
import { ApiError, get } from './api.js';
import { buttons } from './actions.js';
import { h } from './dom.js';
import { bytes, span, when } from './format.js';
import type { Store } from './store.js';

const MAX_LINES = 2000;

function dl(pairs: Array<[string, string | Node]>): HTMLElement {
  return h('dl', {}, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function quote(argv: readonly string[]): string {
  return argv.map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** Mounts the page; returns an update function and a cleanup (closes the log stream). */
export function serviceView(store: Store, root: HTMLElement, name: string): { update: () => void; close: () => void } {
  const title = h('h1', {}, name, ' ', h('span', { class: 'state', 'data-state': '' }));
  const buttonBox = h('span');
  const info = h('span', { class: 'dim' });
  const actions = h('div', { class: 'page-actions' }, buttonBox, info);
  let allowed = '';
  const config = h('section', { class: 'card' }, h('h2', {}, 'Configuration'));
  const exits = h('section', { class: 'card' }, h('h2', {}, 'Latest exits'));
  const events = h('section', { class: 'card' }, h('h2', {}, 'Recent events'));
  const search = h('input', { type: 'search', placeholder: 'search the log (text or /regex/)', 'aria-label': 'search the log', class: 'log-search' });
  const follow = h('input', { type: 'checkbox', checked: true, class: 'log-follow' });
  const count = h('span', { class: 'dim log-count' });
  const pane = h('div', { class: 'log', 'data-log': name, tabindex: 0 });
  const logs = h('section', { class: 'card wide' }, h('h2', {}, 'Log'), h('div', { class: 'log-bar' }, search, h('label', {}, follow, ' follow'), count), pane);
  root.append(h('p', {}, h('a', { href: '#/' }, '← all services')), title, actions, h('div', { class: 'grid' }, config, exits, events, logs));

  let lines: LogEntry[] = [];
  let detail: ServiceDetail | null = null;
  let closed = false;

  const matcher = (): ((t: string) => boolean) | null => {
    const q = search.value.trim();
    if (!q) return null;
    const re = /^\/(.+)\/([a-z]*)$/.exec(q);
    if (re) {
      try {
        const r = new RegExp(re[1]!, re[2]!.includes('i') ? 'i' : '');
        return (t) => r.test(t);
      } catch {
        return () => false;
      }
    }
    const low = q.toLowerCase();
    return (t) => t.toLowerCase().includes(low);
  };
  const lineEl = (l: LogEntry): HTMLElement =>
    h('div', { class: l.stream.startsWith('err') ? 'line err' : 'line' }, h('span', { class: 'ts' }, l.at.slice(11, 23)), ' ', l.text);
  const renderLog = (): void => {
    const m = matcher();
    const shown = m ? lines.filter((l) => m(l.text)) : lines;
    pane.replaceChildren(...shown.map(lineEl));
    count.textContent = m ? `${shown.length} of ${lines.length} lines match` : `${lines.length} lines`;
    if (follow.checked) pane.scrollTop = pane.scrollHeight;
  };
  search.addEventListener('input', renderLog);
  follow.addEventListener('change', renderLog);

  const logSource = new EventSource(`/v1/logs?follow=1&n=200&service=${encodeURIComponent(name)}`);
  // Reconnected (kelpie's controller was replaced): the tail comes again and replaces the pane.
  let opened = false;
  logSource.addEventListener('open', () => {
    if (opened) {
      lines = [];
      pane.replaceChildren();
    }
    opened = true;
  });
  logSource.addEventListener('log', (m) => {
    const l = JSON.parse((m as MessageEvent<string>).data) as LogEntry;
    lines.push(l);
    if (lines.length > MAX_LINES) lines = lines.slice(-MAX_LINES);
    const match = matcher();
    if (!match || match(l.text)) {
      pane.append(lineEl(l));
      while (pane.childElementCount > MAX_LINES) pane.firstElementChild?.remove();
    }
    count.textContent = match ? `${[...pane.children].length} of ${lines.length} lines match` : `${lines.length} lines`;
    if (follow.checked) pane.scrollTop = pane.scrollHeight;
  });

  const loadDetail = async (): Promise<void> => {
    try {
      detail = await get<ServiceDetail>(`/v1/services/${encodeURIComponent(name)}?lines=0`);
    } catch (err) {
      config.replaceChildren(h('h2', {}, 'Configuration'), h('p', { class: 'bad' }, err instanceof ApiError ? err.message : String(err)));
      return;
    }
    if (closed) return;
    const d = detail;
    config.replaceChildren(h('h2', {}, 'Configuration'), dl([
      ['command', h('code', {}, quote(d.command))],
      ['cwd', d.cwd],
      ['kind', d.kind],
      ['defined at', `${d.source.file}:${d.source.line}`],
      ['restart', `${d.restartPolicy}; ${d.restarts} restart(s)${d.nextRestartAt ? `; next ${when(d.nextRestartAt)}` : ''}`],
      ['readiness', `${d.readiness}${d.timeToReadyMs !== null ? `; ready ${span(d.timeToReadyMs)} after spawn` : ''}`],
      ['requires', d.requires.map((r) => `${r.service} (${r.condition})`).join(', ') || '-'],
      ['wants', d.wants.join(', ') || '-'],
      ['needed by', d.requiredBy.join(', ') || '-'],
      ['enabled', `${d.enabled ? 'yes' : 'no'}; autostart ${d.autostart ? 'yes' : 'no'}`],
      ['log file', d.logFile],
      ...(d.statusText !== null ? [['status', d.statusText] as [string, string]] : []),
      ...(d.lastProbe ? [['last probe', `${d.lastProbe.kind} ${d.lastProbe.ok ? 'ok' : 'failed'}: ${d.lastProbe.detail}`] as [string, string]] : []),
    ]));
    exits.replaceChildren(h('h2', {}, 'Latest exits'), d.exits.length === 0 ? h('p', { class: 'dim' }, 'none yet') : h('table', { class: 'exits' },
      h('thead', {}, h('tr', {}, ...['when', 'pid', 'how', 'after', ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, ...d.exits.slice(0, 10).map((e) => h('tr', {},
        h('td', { title: e.at }, when(e.at).slice(11)), h('td', {}, String(e.pid)), h('td', {}, e.signal ? `signal ${e.signal}` : `code ${e.code ?? '?'}`),
        h('td', {}, span(e.durationMs)), h('td', { class: 'dim' }, [e.requested ? 'stop requested' : 'unrequested', e.forced ? 'forced (SIGKILL)' : ''].filter(Boolean).join(', ')))))));
  };

  let lastSeq = -1;
  const update = (): void => {
    const s = store.service(name);
    const badge = title.querySelector('.state') as HTMLElement;
    badge.textContent = s ? s.state : 'unknown';
    badge.className = `state st-${s?.state ?? 'stopped'}`;
    badge.dataset['state'] = s?.state ?? '';
    const u = store.usage?.services.find((x) => x.name === name && x.pid === s?.pid);
    // Buttons are rebuilt only when what is allowed changes (never under the pointer).
    const allowedNow = JSON.stringify(store.access?.services[name] ?? []);
    if (allowedNow !== allowed) {
      allowed = allowedNow;
      buttonBox.replaceChildren(buttons(store, name));
    }
    info.textContent = s ? ` pid ${s.pid ?? '-'} · ${s.restarts} restart(s)${u ? ` · CPU ${u.cpuPercent?.toFixed(1) ?? '-'} % · ${bytes(u.memoryBytes)} in ${u.processes} process(es)` : ''}${s.reason ? ` · ${s.reason}` : ''}` : '';
    const mine = store.events.filter((e) => e.service === name);
    const top = mine[0]?.seq ?? 0;
    if (top !== lastSeq) {
      if (lastSeq !== -1) void loadDetail();
      lastSeq = top;
      events.replaceChildren(h('h2', {}, 'Recent events'), mine.length === 0 ? h('p', { class: 'dim' }, 'none') : h('ul', { class: 'events' },
        ...mine.slice(0, 30).map((e) => h('li', {}, h('span', { class: 'ts' }, e.at.slice(11, 19)), ' ', h('b', {}, e.type), e.state ? ` → ${e.state}` : '', e.message ? ` ${e.message}` : ''))));
    }
  };
  void loadDetail();
  return {
    update,
    close: () => {
      closed = true;
      logSource.close();
    },
  };
}
