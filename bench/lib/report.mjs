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
  out.push(`- Environment given to every system: ${m.nodeEnv?.length ? m.nodeEnv.map((x) => `\`${x}\``).join(', ') : 'no NODE_EXTRA_CA_CERTS, no NODE_OPTIONS'}${m.unset?.length ? ` (unset by --unset: ${m.unset.join(', ')})` : ''}.`);
  out.push(`- Scratch directory ${m.scratch} (${m.scratchFs}): every system keeps its state and logs there, on the same filesystem.`);
  out.push(`- kelpie: ${d.versions.kelpie ?? '?'}${m.kelpieGit ? ` at ${m.kelpieGit}` : ''}, ${d.buildNote}.`);
  out.push(`- Incumbents: ${d.systems.filter((s) => s !== 'kelpie').map((s) => (d.status[s] === 'ok' ? d.versions[s] : `${s}: ${d.status[s]}`)).join('; ') || 'none selected'}.`);
  if (d.workloads) out.push(`- Workloads run: ${d.workloads.join(', ')}.`);
  out.push(`- Parameters: ${p.reps} repetition(s) per N, systems alternating (order rotated each repetition); idle window ${p.idleS} s; ${p.kills} kills per run; status query ${p.statusRuns}× per run; log workload ${p.logMiB} MiB × ${p.logReps}.`);
  if (p.readyTrials !== undefined) {
    out.push(
      `- Readiness: ${p.readyTrials} latency trials per mechanism, ${p.readyIdleN} services per mechanism in its idle window; until all ready N=${p.readyN} × ${p.readyReps}; ` +
        `DAG ${p.dagN} services, depth ${p.dagDepth}, ready ${p.dagDelayMs} ms after start, × ${p.dagReps}.`,
    );
  }
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
    out.push(`Floor for a CLI status query: \`node -e 0\` takes ${fmtMs(floor)} (median); kelpie's status query is ${k ? `${fmtMs(Math.abs(k.status - floor))} ${k.status >= floor ? 'above' : 'below'}` : '—'} it.`);
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
  renderReadiness(d, out);
  out.push(`Final sweep for processes started by this run: ${d.sweepNote}.`);
  return out.join('\n');
}

const GOAL_READY_P99_MS = 5;
const GOAL_DAG_RATIO = 1.2;
const stats = (xs) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), max: xs.length ? Math.max(...xs) : NaN, n: xs.length });

/** The readiness workloads: detection latency and idle CPU, until all ready, the DAG. */
function renderReadiness(d, out) {
  const p = d.params;
  const rl = d.results.readyLatency ?? [];
  if (rl.length || d.notes?.readyLatency) {
    out.push(`## Readiness detection latency (kelpie): service signals → \`running\` seen on /v1/events`);
    out.push('');
    if (d.notes?.readyLatency) out.push(`Not run: ${d.notes.readyLatency}.`);
    const rows = rl.map((r) => {
      if (!r.ok) return [r.mechanism, `failed: ${r.error}`, '', '', '', '', '', '', ''];
      const idle = `${Math.round(r.idleCpuMs)} ms`;
      if (r.mechanism === 'none') return ['none (no readiness)', '—', '', '', '', '', '', idle, ''];
      const w = stats(r.trials.map((t) => t.wall));
      const c = stats(r.trials.map((t) => t.ctl));
      const g = stats(r.trials.map((t) => t.trig));
      return [r.mechanism, String(w.n), fmtMs(w.p50), fmtMs(w.p99), fmtMs(w.max), `${fmtMs(c.p50)} / ${fmtMs(c.p99)}`, `${fmtMs(g.p50)} / ${fmtMs(g.p99)}`, idle, w.p99 < GOAL_READY_P99_MS ? 'yes' : 'no'];
    });
    if (rows.length) {
      out.push(table(['mechanism', 'trials', 'p50', 'p99', 'max', 'to controller stamp p50 / p99', 'trigger → running p50 / p99', `idle CPU / ${p.idleS} s (${p.readyIdleN} services)`, `p99 < ${GOAL_READY_P99_MS} ms`], rows));
      out.push('');
      const all = rl.filter((r) => r.ok).flatMap((r) => r.trials);
      const skews = all.map((t) => Math.abs(t.wall - t.mono));
      const skew = median(skews);
      const skewMax = skews.length ? Math.max(...skews) : NaN;
      const send = stats(all.map((t) => t.send));
      out.push(
        `p50/p99/max: from the fixture's CLOCK_REALTIME stamp, taken right before it sends READY=1 / writes the newline / creates the file, to the arrival of the \`running\` event at this benchmark, on its recalibrated wall clock. ` +
          `The same measured on CLOCK_MONOTONIC differs by ${Number.isFinite(skew) ? `${(skew * 1000).toFixed(0)} µs` : '—'} (median; at most ${Number.isFinite(skewMax) ? `${(skewMax * 1000).toFixed(0)} µs` : '—'}, when a process was preempted between its two clock reads). ` +
          `"To controller stamp" uses the event's \`at\` (ms, truncated: low by up to 1 ms). "Trigger → running" is one clock, from this benchmark's write into the fixture's FIFO (includes the fixture waking up). ` +
          `The fixture's own signalling took p50 ${(send.p50 * 1000).toFixed(0)} µs, max ${(send.max * 1000).toFixed(0)} µs. Each trial restarts the probe service and triggers it 20–50 ms after it blocks on its FIFO. ` +
          `Idle CPU: keeper + controller over ${p.idleS} s with ${p.readyIdleN} ready services using the mechanism (the trial service not yet started), in ${d.cpuResolutionMs} ms ticks.`,
      );
      if (d.notes?.python) out.push(`Fixture: \`${d.notes.python} -S bench/fixtures/ready.py\`.`);
      const lostRows = rl.filter((r) => r.ok && (r.lostAtStart || r.lost));
      if (lostRows.length) {
        out.push(
          `Readiness reports kelpie lost (the service signalled, kelpie never marked it ready): ` +
            lostRows.map((r) => `${r.mechanism}: ${r.lostAtStart ?? 0} of ${p.readyIdleN} idle services at start-up (${r.lostReportsAtStart ?? 0} reports; each respawned after its 3 s ready_timeout), ${r.lost ?? 0} trial(s)`).join('; ') +
            '. Lost trials are left out of the percentiles. See "readiness reports lost" in docs/benchmarks.md.',
        );
      }
      const left = rl.reduce((s, r) => s + (r.leftAfterStop ?? 0), 0);
      if (left) out.push(`Processes still alive after "stop all" (killed by the sweep): ${left}.`);
      out.push('');
    }
  }

  const ra = (d.results.readyAll ?? []).map((r) => ({ ...r, key: (r.mech ?? 'fd') === 'fd' ? r.system : `${r.system} (${r.mech})` }));
  if (ra.length) {
    const sys = [...new Set(ra.map((r) => r.key))];
    const agg = Object.fromEntries(
      sys.map((s) => {
        const runs = ra.filter((r) => r.key === s);
        const ok = runs.filter((r) => r.ok);
        return [s, { ok: ok.length, runs: runs.length, ready: median(ok.map((r) => r.readyMs)), all: ok, stop: median(ok.map((r) => r.stopMs)), err: runs.find((r) => !r.ok)?.error, left: runs.reduce((a, r) => a + (r.leftAfterStop ?? 0), 0) }];
      }),
    );
    const k = agg.kelpie?.ok ? agg.kelpie : null;
    const cold = median(d.results.services.filter((r) => r.ok && r.system === 'kelpie' && r.n === p.readyN).map((r) => r.coldMs));
    out.push(`## Until all ready: N = ${p.readyN} services with notification-fd readiness (and kelpie with sd_notify)`);
    out.push('');
    out.push(
      table(
        ['system', 'readiness', 'launch → all ready', 'runs (each)', 'stop all'],
        sys.map((s) => {
          const a = agg[s];
          if (!a.ok) return [s, '', `failed: ${a.err}`, '', ''];
          const how = s === 'kelpie' ? '`ready = { fd = 3 }`' : s === 'kelpie (notify)' ? '`ready = { notify = true }`, `systemd-notify --ready`' : '`notification-fd` 3';
          return [s, how, `${fmtMs(a.ready)}${s !== 'kelpie' && k ? ratio(a.ready, k.ready) : ''}`, a.all.map((r) => `${fmtMs(r.readyMs)}${r.lost ? ` (${r.lost} lost${r.lostReports > r.lost ? `, ${r.lostReports} reports` : ''})` : ''}`).join(', '), fmtMs(a.stop)];
        }),
      ),
    );
    out.push('');
    out.push(
      `Medians of ${p.readyReps} run(s), systems alternating. Each service is \`/bin/sh\` writing a newline to fd 3, closing it and exec'ing \`sleep\` (kelpie (notify): running \`systemd-notify --ready\`, then exec'ing \`sleep\`); timed from launching the supervisor until its own view shows every service ready.` +
        (Number.isFinite(cold) ? ` For comparison, kelpie's cold start of ${p.readyN} \`sleep\` services with no readiness declared, in this run: ${fmtMs(cold)}.` : ''),
    );
    const lost = (agg.kelpie?.all ?? []).filter((r) => r.lost);
    if (lost.length) {
      out.push(
        `"(K lost)": kelpie lost the readiness report of K services in that run — each stayed \`starting\` until its ready_timeout (5 s here), was respawned and reported again (and may have been lost again: "R reports"); ` +
          `the time includes that. See "readiness reports lost" in docs/benchmarks.md.`,
      );
    }
    const left = sys.filter((s) => agg[s].left).map((s) => `${s}: ${agg[s].left}`);
    if (left.length) out.push(`Processes still alive after "stop all" (killed by the sweep): ${left.join(', ')}.`);
    out.push('');
  }

  const dg = d.results.dag ?? [];
  if (dg.length || d.notes?.dag) {
    out.push(`## Dependency DAG with readiness (kelpie): all ready against the critical path`);
    out.push('');
    if (d.notes?.dag) out.push(`Not run: ${d.notes.dag}.`);
    const variants = [...new Set(dg.map((r) => r.variant))];
    const rows = variants.map((v) => {
      const runs = dg.filter((r) => r.variant === v);
      const ok = runs.filter((r) => r.ok);
      const r0 = runs[0];
      const failed = runs.filter((r) => !r.ok);
      const failNote = failed.length ? `; ${failed.length} of ${runs.length} run(s) failed: ${failed.map((r) => (r.lost ? `${r.lost} not seen ready in time, ${r.notRunning} of ${r.n} not running` : r.error)).join('; ')}` : '';
      if (!ok.length) return [v, String(r0.n), String(r0.depth), `all ${runs.length} run(s) failed: ${failed.map((r) => (r.lost ? `${r.lost} services not seen ready within their ready_timeout, ${r.notRunning} of ${r.n} not running after \`up -d\`` : r.error)).join('; ')}`, fmtMs(median(runs.map((r) => r.idealMs))), '', '', '', '', '', ''];
      const m = (f) => median(ok.map(f));
      const dagLike = r0.depth > 1;
      return [
        v,
        String(r0.n),
        String(r0.depth),
        `${fmtMs(m((r) => r.allReadyMs))} (${ok.map((r) => fmtMs(r.allReadyMs)).join(', ')}${failNote})`,
        fmtMs(m((r) => r.idealMs)),
        dagLike ? `${m((r) => r.ratio).toFixed(2)}×` : '—',
        fmtMs(m((r) => r.bootMs)),
        fmtMs(m((r) => r.orchestrateMs)),
        dagLike ? `${m((r) => r.orchestrateMs / r.idealMs).toFixed(2)}×` : '—',
        `${fmtMs(m((r) => r.spawnToReady?.p50))} / ${fmtMs(m((r) => r.spawnToReady?.p99))}`,
        r0.depth > 1 ? `${fmtMs(m((r) => r.dispatchLag?.p50))} / ${fmtMs(m((r) => r.dispatchLag?.p99))}` : '—',
      ];
    });
    if (rows.length) {
      out.push(table(['variant', 'N', 'depth', '`up -d` → all ready (each run)', 'ideal critical path', 'ratio', 'kelpie start-up', 'first spawn → all ready', 'ratio', 'spawn → ready p50 / p99', 'dispatch lag p50 / p99'], rows));
      out.push('');
      const solo = median(dg.filter((r) => r.ok).map((r) => r.soloMs));
      out.push(
        `Medians of ${p.dagReps} run(s). Ideal critical path = depth × ${fmtMs(solo)}, the median time for Node to spawn one service's command (\`sh -c 'sleep ${(p.dagDelayMs / 1000).toFixed(3)}; echo >&3'\`) until its newline arrives. ` +
          `Goal (issue 7): all ready within ${GOAL_DAG_RATIO}× of the critical path. "kelpie start-up": \`up -d\` launched → first service spawned (CLI, keeper, controller, config). ` +
          `"spawn → ready": a service's \`starting\` event with a PID → its \`running\` event; "dispatch lag": a service's spawn − the latest \`running\` of what it requires. All from the controller's event stamps (ms). ` +
          `chain = one chain of ${p.dagDepth} services alone; flat = the same ${p.dagN} services with no dependencies (a control for spawn throughput: no ratio). ` +
          `Services use kelpie's defaults otherwise (ready_timeout 30 s): a readiness report lost or seen too late fails the service and everything that requires it.`,
      );
      const okMed = (v, f) => median(dg.filter((r) => r.ok && r.variant === v).map(f));
      const dagVsFlat = okMed('dag', (r) => r.orchestrateMs) / okMed('flat', (r) => r.orchestrateMs);
      if (Number.isFinite(dagVsFlat)) {
        out.push(
          `First spawn → all ready, DAG against flat (the same ${p.dagN} services, no dependencies): ${dagVsFlat.toFixed(2)}× — ` +
            `near 1 means the DAG is bound by how fast kelpie spawns services, not by waiting on dependencies.`,
        );
      }
      const runCp = ['dag', 'chain'].map((v) => [v, okMed(v, (r) => r.runCriticalMs), okMed(v, (r) => r.orchestrateMs / r.runCriticalMs)]).filter(([, ms]) => Number.isFinite(ms));
      if (runCp.length) {
        out.push(
          `Critical path of each run's own start times (every service's spawn → ready as it happened in that run, summed along its slowest chain of requires: what a scheduler with no overhead would need under the same load): ` +
            `${runCp.map(([v, ms, ratio]) => `${v} ${fmtMs(ms)}, first spawn → all ready ${ratio.toFixed(2)}× that`).join('; ')}.`,
        );
      }
      const inc = dg.filter((r) => r.ok && r.eventsComplete === false).length;
      if (inc) out.push(`In ${inc} run(s) the event stream missed early events (history is 1000 events): the breakdown covers the services it saw.`);
      const left = dg.reduce((s, r) => s + (r.leftAfterStop ?? 0), 0);
      if (left) out.push(`Processes still alive after "stop all" (killed by the sweep): ${left}.`);
      out.push('');
    }
  }
}
