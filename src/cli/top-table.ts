// The table `kelpie top` shows: one row per service, the same columns as the web dashboard.
// Pure rendering from status and a usage sample.
import type { ServiceSummary, StatusResult, UsageSample } from '../protocol/api.js';
import { span, stateText } from './output.js';
import { bytes } from './units.js';

/** Visible width (colour codes do not count). */
function width(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - width(s)));
}

/** The column titles. */
export const HEADER = ['NAME', 'STATE', 'READY', 'PID', 'UPTIME', 'RESTARTS', 'CPU%', 'MEM'];

/** The cells of one service's row. */
export function cells(x: ServiceSummary, usage: UsageSample | null, now: number): string[] {
  const u = usage?.services.find((s) => s.name === x.name && s.pid === x.pid);
  const live = x.pid !== null;
  const ready = x.readiness.startsWith('none') ? '-' : `${x.readiness}${x.timeToReadyMs !== null ? ` ${span(x.timeToReadyMs)}` : ''}`;
  return [
    x.name,
    x.unready ? `${stateText(x.state)} (not ready)` : stateText(x.state),
    ready,
    live ? String(x.pid) : '-',
    live && (x.state === 'running' || x.state === 'unhealthy') ? span(now - Date.parse(x.since)) : '-',
    String(x.restarts),
    u?.cpuPercent != null ? u.cpuPercent.toFixed(1) : '-',
    u ? bytes(u.memoryBytes) : '-',
  ];
}

/** Lines of the table, columns padded; `selected` marks one row with '>'. */
export function table(s: StatusResult, usage: UsageSample | null, now: number, selected = -1): string[] {
  const rows = s.services.map((x) => cells(x, usage, now));
  const w = HEADER.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (r: string[]): string => r.map((cell, i) => pad(cell, w[i] ?? 0)).join('  ').trimEnd();
  return [`  ${line(HEADER)}`, ...rows.map((r, i) => `${i === selected ? '>' : ' '} ${line(r)}`)];
}
