// Statistics and the markdown report.

export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of the finite values. */
export function percentile(xs, p) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}

export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export const fmtMiB = (kib) => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : '—');

const ratio = (x, base) => {
  if (!Number.isFinite(x) || !Number.isFinite(base)) return '';
  if (base === 0) return x === 0 ? ' (=)' : ' (∞×)';
  const r = x / base;
  return ` (${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×)`;
};

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Per-system aggregate of the N-services runs. */
function aggregate(runs) {
  const ok = runs.filter((r) => r.ok);
  const pick = (f) => median(ok.map(f));
  const respawn = ok.flatMap((r) => r.respawn);
  return {
    runs: runs.length,
    ok: ok.length,
    errors: runs.filter((r) => !r.ok).map((r) => r.error),
    cold: pick((r) => r.coldMs),
    pss: pick((r) => r.pssKiB),
    rss: pick((r) => r.rssKiB),
    procs: pick((r) => r.supProcs),
    idle: pick((r) => r.idleCpuMs),
    status: pick((r) => r.statusMs),
    p50: percentile(respawn, 50),
    p99: percentile(respawn, 99),
    samples: respawn.length,
    stop: pick((r) => r.stopMs),
    takeover: ok.some((r) => r.takeover) ? { ms: pick((r) => r.takeover?.ms), kept: Math.min(...ok.map((r) => r.takeover.kept)), total: ok[0].takeover.total } : null,
    left: runs.reduce((s, r) => s + (r.leftAfterStop ?? 0), 0),
  };
}

function logAggregate(runs) {
  const ok = runs.filter((r) => r.ok);
  return {
    runs: runs.length,
    ok: ok.length,
    errors: runs.filter((r) => !r.ok).map((r) => r.error),
    mibPerS: median(ok.map((r) => r.mibPerS)),
    cpuPerMiB: median(ok.map((r) => r.cpuPerMiB)),
    lost: ok.length ? Math.max(...ok.map((r) => r.lost)) : NaN,
    corrupted: ok.length ? Math.max(...ok.map((r) => r.corrupted)) : NaN,
    duplicated: ok.length ? Math.max(...ok.map((r) => r.duplicated)) : NaN,
    files: median(ok.map((r) => r.files)),
    sample: ok.find((r) => r.sample?.length)?.sample?.[0],
    left: runs.reduce((s, r) => s + (r.leftAfterStop ?? 0), 0),
  };
}

export function renderReport(d) {
  const { params: p, machine: m } = d;
  const out = [];
  out.push(`# kelpie benchmark: ${d.profile} profile`);
  out.push('');
  out.push(`Run ${d.started.toISOString()} → ${d.finished.toISOString()} (\`npm run bench${d.argv.length ? ` -- ${d.argv.join(' ')}` : ''}\`).`);
  out.push('');
  out.push(`- Machine: ${m.cpu}; ${m.nproc} cores; ${m.memGiB.toFixed(1)} GiB memory; Linux ${m.kernel}; node ${m.node}.`);
  out.push(`- Load average (1/5/15 min) before: ${m.loadBefore.map((x) => x.toFixed(2)).join(' ')}; after: ${m.loadAfter.map((x) => x.toFixed(2)).join(' ')}. Other work on the machine is not controlled for.`);
  out.push(`- Scratch directory ${m.scratch} (${m.scratchFs}): every system keeps its state and logs there, on the same filesystem.`);
  out.push(`- kelpie: ${d.versions.kelpie ?? '?'}${m.kelpieGit ? ` at ${m.kelpieGit}` : ''}, ${d.buildNote}.`);
  out.push(`- Incumbents: ${d.systems.filter((s) => s !== 'kelpie').map((s) => (d.status[s] === 'ok' ? d.versions[s] : `${s}: ${d.status[s]}`)).join('; ') || 'none selected'}.`);
  out.push(`- Parameters: ${p.reps} repetition(s) per N, systems alternating (order rotated each repetition); idle window ${p.idleS} s; ${p.kills} kills per run; status query ${p.statusRuns}× per run; log workload ${p.logMiB} MiB × ${p.logReps}.`);
  out.push('');

  const floor = median(d.results.floor);
  for (const n of p.ns) {
    const runs = d.results.services.filter((r) => r.n === n);
    if (runs.length === 0) continue;
    const agg = Object.fromEntries(d.systems.map((s) => [s, aggregate(runs.filter((r) => r.system === s))]));
    const k = agg.kelpie && agg.kelpie.ok ? agg.kelpie : null;
    const rows = d.systems.map((s) => {
      if (d.status[s] !== 'ok') return [s, d.status[s], '', '', '', '', '', '', ''];
      const a = agg[s];
      if (!a.ok) return [s, `failed: ${a.errors[0] ?? 'no run'}`, '', '', '', '', '', '', ''];
      const c = (v, f, key) => `${f(v)}${s !== 'kelpie' && k ? ratio(v, k[key]) : ''}`;
      return [
        s,
        c(a.cold, fmtMs, 'cold'),
        c(a.pss, fmtMiB, 'pss'),
        c(a.rss, fmtMiB, 'rss'),
        c(a.idle, (v) => `${Math.round(v)} ms`, 'idle'),
        c(a.status, fmtMs, 'status'),
        c(a.p50, fmtMs, 'p50'),
        c(a.p99, fmtMs, 'p99'),
        c(a.stop, fmtMs, 'stop'),
      ];
    });
    out.push(`## N = ${n} trivial services (\`sleep\`)`);
    out.push('');
    out.push(table(['system', 'cold start', 'PSS', 'RSS', `idle CPU / ${p.idleS} s`, 'status query', 'crash→respawn p50', 'p99', 'stop all'], rows));
    out.push('');
    out.push(`Medians over ${p.reps} run(s) per system; crash→respawn percentiles over all kills pooled (${k ? k.samples : p.kills * p.reps} per system); (×) = ratio to kelpie, lower is better for every column.`);
    out.push(`Floor for a CLI status query: \`node -e 0\` takes ${fmtMs(floor)} (median); kelpie's status query is ${k ? fmtMs(k.status - floor) : '—'} above it.`);
    if (k?.takeover) out.push(`kelpie controller kill -9 → new controller answering: ${fmtMs(k.takeover.ms)} (median); services keeping their PID: ${k.takeover.kept}/${k.takeover.total} (worst run).`);
    const procs = d.systems.filter((s) => d.status[s] === 'ok' && agg[s].ok).map((s) => `${s} ${agg[s].procs}`);
    out.push(`Supervisor processes counted for PSS/RSS/CPU: ${procs.join(', ')}.`);
    const errs = d.systems.filter((s) => agg[s]?.errors.length).map((s) => `${s}: ${agg[s].errors.length} failed run(s) (${agg[s].errors[0]})`);
    if (errs.length) out.push(`Failed runs (left out of the medians): ${errs.join('; ')}.`);
    const left = d.systems.filter((s) => agg[s]?.left).map((s) => `${s}: ${agg[s].left}`);
    if (left.length) out.push(`Processes still alive after "stop all" (killed by the sweep): ${left.join(', ')}.`);
    out.push('');
  }

  if (d.results.log.length) {
    const lagg = Object.fromEntries(d.systems.map((s) => [s, logAggregate(d.results.log.filter((r) => r.system === s))]));
    const k = lagg.kelpie?.ok ? lagg.kelpie : null;
    const logger = { kelpie: 'keeper (built in)', s6: 's6-log t', runit: 'svlogd -tt', supervisord: 'built in', pm2: 'built in, --time' };
    const rows = d.systems.map((s) => {
      if (d.status[s] !== 'ok') return [s, '', d.status[s], '', '', '', '', ''];
      const a = lagg[s];
      if (!a.ok) return [s, logger[s], `failed: ${a.errors[0] ?? 'no run'}`, '', '', '', '', ''];
      const ts = { kelpie: 'ISO-8601 ms', s6: 'TAI64N', runit: 'UTC µs', supervisord: 'none', pm2: 'to the second' }[s];
      return [
        s,
        logger[s],
        ts,
        `${a.mibPerS.toFixed(1)} MiB/s${s !== 'kelpie' && k ? ratio(a.mibPerS, k.mibPerS) : ''}`,
        `${a.cpuPerMiB.toFixed(1)} ms${s !== 'kelpie' && k ? ratio(a.cpuPerMiB, k.cpuPerMiB) : ''}`,
        String(a.lost),
        String(a.corrupted),
        String(a.files),
      ];
    });
    out.push(`## Log capture: one service writing ${p.logMiB} MiB of numbered 100-byte lines, 1 MiB rotation`);
    out.push('');
    out.push(table(['system', 'logger', 'timestamps', 'throughput', 'supervisor CPU per MiB', 'lines lost', 'lines corrupted', 'files'], rows));
    out.push('');
    out.push(`Throughput and CPU: medians over ${p.logReps} run(s); lines lost / corrupted: the worst run. (×) = ratio to kelpie: higher throughput is better, lower CPU is better. CPU time is counted in ${d.cpuResolutionMs} ms ticks.`);
    const samples = d.systems.filter((s) => lagg[s]?.sample).map((s) => `${s}: \`${lagg[s].sample.replace(/`/g, "'").slice(0, 100)}\``);
    if (samples.length) out.push(`A corrupted line as found on disk: ${samples.join('; ')}.`);
    const dups = d.systems.filter((s) => lagg[s]?.duplicated > 0).map((s) => `${s}: ${lagg[s].duplicated}`);
    if (dups.length) out.push(`Lines written twice: ${dups.join(', ')}.`);
    const lleft = d.systems.filter((s) => lagg[s]?.left).map((s) => `${s}: ${lagg[s].left}`);
    if (lleft.length) out.push(`Processes still alive after "stop all" (killed by the sweep): ${lleft.join(', ')}.`);
    const lerr = d.systems.filter((s) => lagg[s]?.errors.length).map((s) => `${s}: ${lagg[s].errors.length} failed run(s) (${lagg[s].errors[0]})`);
    if (lerr.length) out.push(`Failed runs (left out of the medians): ${lerr.join('; ')}.`);
    if (d.status.pm2 === 'ok') out.push('pm2 has no size-based rotation of its own (the pm2-logrotate module checks on a 30 s timer), so its log is one file.');
    out.push('');
  }
  out.push(`Final sweep for processes started by this run: ${d.sweepNote}.`);
  return out.join('\n');
}
