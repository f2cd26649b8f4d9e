// kelpie status [SVC]: services grouped by state, or one service in detail.
import type { ServiceDetail, StatusResult } from '../../protocol/api.js';
import type { Command } from '../command.js';
import { batch, c, out, printJson, span, stateText, usage, when } from '../output.js';
import { BUILD } from '../version.js';

const ORDER = ['failed', 'unreachable', 'unhealthy', 'backoff', 'waiting', 'starting', 'stopping', 'running', 'done', 'stopped', 'disabled'];

function renderAll(s: StatusResult): void {
  const now = Date.now();
  const d = s.daemon;
  out(`${c.bold('kelpie')} ${d.version}  keeper ${d.keeper_pid}  controller ${d.controller_pid}  up ${span(now - Date.parse(d.started_at))}`);
  if (d.build !== BUILD) out(c.yellow(`note: the installed kelpie (build ${BUILD}) differs from the running controller (build ${d.build}); run kelpie upgrade`));
  if (d.keeper_build !== BUILD) out(c.dim(`note: the keeper runs build ${d.keeper_build}; it is replaced only by kelpie down && kelpie up`));
  out(c.dim(`config ${d.config}`));
  if (d.node?.listen) out(c.dim(`node ${d.node.fingerprint} listening on ${d.node.listen} (TLS)`));
  const width = Math.max(8, ...s.services.map((x) => x.name.length));
  for (const state of ORDER) {
    const group = s.services.filter((x) => x.state === state);
    if (group.length === 0) continue;
    out('');
    out(`${stateText(state)} (${group.length})`);
    for (const x of group) {
      const pid = x.pid === null ? '-' : String(x.pid);
      const up = x.state === 'running' ? span(now - Date.parse(x.since)) : `since ${span(now - Date.parse(x.since))}`;
      const where = x.remote ? c.dim(`  (${x.remote.service} on node ${x.remote.node})`) : '';
      const extra = where + (x.unready ? c.yellow(`  not ready: ${x.unready}`) : x.reason ? c.dim(`  ${x.reason}`) : '');
      out(`  ${x.name.padEnd(width)}  pid ${pid.padEnd(7)} ${up.padEnd(16)} restarts ${x.restarts}${extra}`);
    }
  }
  if (s.services.length === 0) out('\nno services defined');
}

function renderOne(x: ServiceDetail): void {
  out(`${c.bold(x.name)}: ${stateText(x.state)} since ${when(x.since)}${x.reason ? `: ${x.reason}` : ''}`);
  if (x.remote) {
    out(`  main pid:   ${x.pid ?? '-'}`);
    out(`  remote:     ${x.remote.service} on node ${x.remote.node} (kelpie -r ${x.remote.node} status ${x.remote.service})`);
  } else if (x.processes.length === 0) {
    out(`  main pid:   ${x.pid ?? '-'}`);
    out(`  command:    ${x.command.map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  } else {
    const width = Math.max(...x.processes.map((p) => p.name.length - x.name.length - 1));
    out(`  processes:`);
    for (const p of x.processes) {
      const why = p.unready ? c.yellow(`  not ready: ${p.unready}`) : p.reason ? c.dim(`  ${p.reason}`) : '';
      out(`    ${p.name.slice(x.name.length + 1).padEnd(width)}  ${stateText(p.state)}  pid ${String(p.pid ?? '-').padEnd(7)} restarts ${p.restarts}${why}`);
    }
  }
  if (!x.remote) out(`  cwd:        ${x.cwd}`);
  out(`  defined at: ${x.source.file}:${x.source.line}${x.kind !== 'longrun' && x.processes.length === 0 ? `  (kind ${x.kind})` : ''}`);
  const requires = x.requires.filter((r) => !x.processes.some((p) => p.name === r.service));
  if (requires.length) out(`  requires:   ${requires.map((r) => `${r.service} (${r.condition})`).join(', ')}`);
  if (x.wants.length) out(`  wants:      ${x.wants.join(', ')}`);
  if (x.after.length) out(`  after:      ${x.after.join(', ')}`);
  if (x.provides.length) out(`  provides:   ${x.provides.join(', ')}`);
  if (x.requiredBy.length) out(`  needed by:  ${x.requiredBy.join(', ')}`);
  out(`  restart:    ${x.restartPolicy}; ${x.restarts} restart(s)${x.nextRestartAt ? `; next at ${when(x.nextRestartAt)}` : ''}`);
  out(`  enabled:    ${x.enabled ? 'yes' : 'no'}; autostart ${x.autostart ? 'yes' : 'no'}`);
  if (x.pending) out(c.yellow('  new definition pending: applied at next restart'));
  if (x.spawnedAt) out(`  spawned:    ${when(x.spawnedAt)}`);
  if (x.timer) {
    const t = x.timer;
    const last = x.exits[0];
    out(`  schedule:   ${t.schedule}${t.paused ? c.yellow(' (paused: kelpie start resumes it)') : ''}`);
    out(`  next run:   ${t.nextRunAt ? when(t.nextRunAt) : '-'}${t.remaining !== null ? `; ${t.remaining} run(s) left` : ''}; ${t.runs} run(s) so far`);
    if (last) out(`  last run:   ${when(last.at)}: ${last.signal ? `signal ${last.signal}` : `exit ${last.code}`} after ${span(last.durationMs)}`);
  }
  out(`  readiness:  ${x.readiness}${x.readyAt ? `; ready ${when(x.readyAt)}` : ''}${x.timeToReadyMs !== null ? `, ${span(x.timeToReadyMs)} after spawn` : ''}`);
  if (x.unready) out(c.yellow(`  not ready:  ${x.unready} (still running)`));
  if (x.statusText !== null) out(`  status:     ${x.statusText}`);
  if (x.lastProbe) out(`  last probe: ${x.lastProbe.kind} ${x.lastProbe.ok ? c.green('ok') : c.red('failed')} (${x.lastProbe.detail}) ${when(x.lastProbe.at)}`);
  out(`  log file:   ${x.logFile}`);
  if (x.logError) out(c.red(`  log error:  ${x.logError.error}: lines are being dropped (${x.logError.dropped} so far, since ${when(x.logError.since)})`));
  if (x.exits.length) {
    out('  latest exits:');
    for (const e of x.exits.slice(0, 5)) {
      const how = e.signal ? `signal ${e.signal}` : `code ${e.code ?? '?'}`;
      const tags = [e.requested ? 'stop requested' : 'unrequested', e.forced ? c.red('forced (SIGKILL)') : ''].filter(Boolean).join(', ');
      out(`    ${when(e.at)}  pid ${e.pid}  ${how}  after ${span(e.durationMs)}  ${c.dim(tags)}`);
    }
  }
  if (x.logLines.length) {
    out(`  last ${x.logLines.length} log line(s):`);
    for (const l of x.logLines) out(`    ${c.dim(l.at.slice(11, 23))} ${l.stream.startsWith('err') ? c.red('!') : ' '}${l.text}`);
  }
}

export const status: Command = {
  name: 'status',
  summary: 'show services grouped by state, or one service in detail',
  usage: '[SVC] [-n N]',
  args: [0, 1],
  options: { lines: { type: 'string', short: 'n' } },
  async run(ctx) {
    const client = ctx.client();
    const name = ctx.args[0];
    if (name === undefined) {
      const s = await client.status();
      if (ctx.flags.json) printJson(s);
      else batch(() => renderAll(s));
      return 0;
    }
    const n = ctx.values.lines === undefined ? 10 : Number(ctx.values.lines);
    if (!Number.isInteger(n) || n < 0) throw usage(`-n takes a whole number, got ${String(ctx.values.lines)}`);
    const d = await client.service(name, n);
    if (ctx.flags.json) printJson(d);
    else batch(() => renderOne(d));
    return 0;
  },
};
