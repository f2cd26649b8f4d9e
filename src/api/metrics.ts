// The Prometheus text exposition format (version 0.0.4) of kelpie's per-service metrics.
// Pure: the controller gathers the numbers, this renders them.
import type { ServiceState } from '../protocol/api.js';

/** Every state, so `kelpie_service_state` has one series per state (1 for the current one). */
export const STATES: readonly ServiceState[] = ['stopped', 'waiting', 'starting', 'running', 'unhealthy', 'stopping', 'backoff', 'failed', 'done', 'disabled', 'unreachable'];

/** Why a process ended, as the `cause` label of kelpie_service_exits_total. */
export type ExitCause = 'stopped' | 'success' | 'failure' | 'signal';

/** What one service contributes to /metrics. */
export interface ServiceMetrics {
  readonly name: string;
  readonly state: ServiceState;
  readonly restarts: number;
  /** Time from spawn to ready of the current run; null when not ready. */
  readonly readySeconds: number | null;
  readonly exits: Readonly<Partial<Record<ExitCause, number>>>;
  /** Null when the service has no process. */
  readonly cpuSeconds: number | null;
  readonly memoryBytes: number | null;
  readonly logBytes: number;
}

/** The text content type Prometheus expects. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value with backslash, double quote and newline escaped. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value: integers as they are, others with up to 6 decimals; NaN and infinities spelled Prometheus' way. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
}

interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  readonly samples: Array<{ labels: Record<string, string>; value: number }>;
}

function render(f: Family): string {
  const lines = [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`];
  for (const s of f.samples) {
    const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
    lines.push(`${f.name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
  }
  return lines.join('\n');
}

/** Renders every family; a family with no samples is still described (HELP and TYPE). */
export function exposition(services: readonly ServiceMetrics[], extra: { controllerRestarts: number }): string {
  const fam = (name: string, type: Family['type'], help: string): Family => ({ name, type, help, samples: [] });
  const state = fam('kelpie_service_state', 'gauge', 'Whether the service is in this state (1) or not (0).');
  const restarts = fam('kelpie_service_restarts_total', 'counter', 'Automatic respawns of the service.');
  const ready = fam('kelpie_service_ready_seconds', 'gauge', 'Time from spawn to ready of the current run.');
  const exits = fam('kelpie_service_exits_total', 'counter', 'Process exits seen by this controller, by cause (stopped, success, failure, signal).');
  const cpu = fam('kelpie_service_cpu_seconds_total', 'counter', 'User and system CPU time of the service\'s process group (current run).');
  const mem = fam('kelpie_service_memory_bytes', 'gauge', 'Resident memory of the service\'s process group.');
  const logs = fam('kelpie_service_log_bytes_total', 'counter', 'Bytes written to the service\'s log, seen by this controller.');
  for (const s of services) {
    const service = s.name;
    for (const st of STATES) state.samples.push({ labels: { service, state: st }, value: s.state === st ? 1 : 0 });
    restarts.samples.push({ labels: { service }, value: s.restarts });
    if (s.readySeconds !== null) ready.samples.push({ labels: { service }, value: s.readySeconds });
    for (const cause of ['stopped', 'success', 'failure', 'signal'] as const) exits.samples.push({ labels: { service, cause }, value: s.exits[cause] ?? 0 });
    if (s.cpuSeconds !== null) cpu.samples.push({ labels: { service }, value: s.cpuSeconds });
    if (s.memoryBytes !== null) mem.samples.push({ labels: { service }, value: s.memoryBytes });
    logs.samples.push({ labels: { service }, value: s.logBytes });
  }
  const ctl = fam('kelpie_controller_restarts_total', 'counter', 'Times the keeper has started a new controller.');
  ctl.samples.push({ labels: {}, value: extra.controllerRestarts });
  return `${[state, restarts, ready, exits, cpu, mem, logs, ctl].map(render).join('\n')}\n`;
}

/** The cause label of one exit. */
export function exitCause(e: { readonly requested: boolean; readonly signal: string | null; readonly code: number | null }): ExitCause {
  if (e.requested) return 'stopped';
  if (e.signal !== null) return 'signal';
  return e.code === 0 ? 'success' : 'failure';
}
