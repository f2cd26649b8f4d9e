// Start / stop / restart buttons, shown only for what the capability allows; and the toast
// that reports each outcome (or the daemon's refusal).
import type { ActionOutcome } from '../protocol/api.js';
import { ApiError, post } from './api.js';
import { h } from './dom.js';
import type { Store } from './store.js';

const ACTIONS = ['start', 'stop', 'restart'] as const;

/** Shows `text` at the bottom right for a few seconds (red when `bad`). */
export function toast(text: string, bad = false): void {
  const t = document.getElementById('toast');
  if (!t) return;
  t.textContent = text;
  t.className = bad ? 'show bad' : 'show';
  window.clearTimeout(Number(t.dataset['timer'] ?? 0));
  t.dataset['timer'] = String(window.setTimeout(() => (t.className = ''), 5000));
}

export async function act(action: string, name: string): Promise<void> {
  try {
    const r = await post<ActionOutcome[]>(`/v1/${action}`, { services: [name], wait: false });
    toast(`${action} ${name}: ${r.map((o) => `${o.name} ${o.message || o.state}`).join(', ')}`);
  } catch (err) {
    toast(err instanceof ApiError ? err.message : String(err), true);
  }
}

/** The buttons the capability allows for `name`, in a span (empty when none). */
export function buttons(store: Store, name: string): HTMLElement {
  const span = h('span', { class: 'actions' });
  for (const a of ACTIONS) {
    if (!store.can(name, a)) continue;
    span.append(h('button', { type: 'button', 'data-action': a, 'data-service': name, title: `${a} ${name}`, onclick: (e) => {
      e.stopPropagation();
      void act(a, name);
    } }, a));
  }
  return span;
}
