// A dependency DAG with readiness (kelpie only): N services in `depth` layers of N/depth.
// Service j of layer k > 0 requires (condition "ready", the default) service j of layer k-1
// and two more of that layer chosen by a fixed rule, so every path from a root has exactly
// `depth` services and the critical path is `depth` services long. Each service is
//   /bin/sh -c 'sleep 0.010; echo >&3; exec 3>&-; exec sleep 1000000'   ready = { fd = 3 }
// i.e. ready ~10 ms after it starts. Two controls run the same service the same way:
//   chain  one chain of `depth` services (no width): kelpie's per-hop cost with nothing else
//   flat   the same N services with no dependencies: kelpie's spawn throughput
// The ideal critical path is depth × t1, where t1 is the median time this benchmark measures
// for the same command, spawned by Node with fd 3 a pipe, from spawn() until the newline
// arrives (process creation + sh + `sleep 0.010`): what no supervisor can beat.
//
// Timing, on CLOCK_REALTIME (lib/clock.mjs) so that the controller's event stamps (`at`, ms)
// compare with ours: t0 just before spawning `kelpie up -d`; all ready = the latest `since` of
// the services' `running` state in /v1/status after `up -d` returned (it waits until every
// service started). The event stream (/v1/events, opened as soon as the API answers) gives
// each service's spawn (`starting` with a pid) and ready (`running`) stamps, for the
// breakdown: kelpie's start-up (t0 → first spawn), per-service spawn → ready, and dispatch lag
// (a service's spawn − the latest ready of what it requires).
//
// Everything else is kelpie's defaults (ready_timeout 30 s, restart on-failure). Should kelpie
// lose a readiness report (it did before e17a670; see docs/benchmarks.md), or see one only
// after the ready_timeout, that service fails and so does everything that requires it; the run
// is recorded as failed with the number of such services (`lost`).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { calibrate, wallMs } from '../lib/clock.mjs';
import { alive, supervisorTree, until } from '../lib/proc.mjs';
import { fmtMs, median, percentile } from '../lib/report.mjs';

export const DAG_VARIANTS = ['dag', 'chain', 'flat'];

const body = (delayMs) => `sleep ${(delayMs / 1000).toFixed(3)}; echo >&3`;
const command = (delayMs) => ['/bin/sh', '-c', `${body(delayMs)}; exec 3>&-; exec sleep 1000000`];

/** Layers of service names and each service's requirements. */
export function dagShape(n, depth) {
  const width = Math.ceil(n / depth);
  const layers = [];
  for (let k = 0, i = 0; k < depth && i < n; k++) {
    const layer = [];
    for (let j = 0; j < width && i < n; j++, i++) layer.push(`d${k}-${j}`);
    layers.push(layer);
  }
  const requires = new Map();
  layers.forEach((layer, k) => {
    layer.forEach((name, j) => {
      if (k === 0) return requires.set(name, []);
      const prev = layers[k - 1];
      const w = prev.length;
      requires.set(name, [...new Set([prev[j % w], prev[(j * 7 + 3) % w], prev[(j * 13 + 5) % w]])]);
    });
  });
  return { layers, requires };
}

export function dagToml(shape, delayMs) {
  const cmd = JSON.stringify(command(delayMs));
  let toml = '';
  for (const [name, reqs] of shape.requires) {
    toml += `[services.${JSON.stringify(name)}]\ncommand = ${cmd}\nready = { fd = 3 }\n${reqs.length ? `requires = ${JSON.stringify(reqs)}\n` : ''}\n`;
  }
  return toml;
}

/** Median time for Node to spawn the service's command until its newline on fd 3 (`reps` runs). */
export async function soloReadyMs(delayMs, env, reps = 15) {
  const xs = [];
  for (let k = 0; k < reps; k++) {
    xs.push(
      await new Promise((resolve, reject) => {
        const t0 = performance.now();
        const c = spawn('/bin/sh', ['-c', body(delayMs)], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env });
        c.on('error', reject);
        c.stdio[3].once('data', () => resolve(performance.now() - t0));
        c.stdio[3].on('error', () => {});
      }),
    );
  }
  return median(xs);
}

export async function dagRun(factory, variant, rep, o, ctxBase, { log, cleanup }) {
  const p = o.p;
  const n = variant === 'chain' ? p.dagDepth : p.dagN;
  const depth = variant === 'flat' ? 1 : p.dagDepth;
  const mark = `${ctxBase.session}-kelpie-${variant}${n}-r${rep}`;
  const dir = join(ctxBase.runs, `kelpie-${variant}${n}-r${rep}`);
  mkdirSync(dir, { recursive: true });
  const ctx = { root: ctxBase.root, kelpieRoot: ctxBase.kelpieRoot, scratch: o.scratch, env: { ...process.env, KELPIE_BENCH_MARK: mark } };
  const a = factory(ctx);
  const r = { workload: 'dag', variant, n, depth, rep, delayMs: p.dagDelayMs, ok: true };
  const big = 120_000 + n * 300;
  let events = null;
  try {
    const shape = dagShape(n, depth);
    a.setupToml(dir, dagToml(shape, p.dagDelayMs), n);
    r.soloMs = await soloReadyMs(p.dagDelayMs, ctx.env);
    r.idealMs = depth * r.soloMs;

    const spawnAt = new Map();
    const readyAt = new Map();
    let firstSeq = null;
    calibrate();
    const t0w = wallMs();
    const t0 = performance.now();
    const up = a.startNoWait();
    await a.waitApi(60_000, 2);
    events = await a.events(
      (e) => {
        firstSeq ??= e.seq;
        if (e.type !== 'state' || !e.service) return;
        if (e.state === 'starting' && e.pid && !spawnAt.has(e.service)) spawnAt.set(e.service, Date.parse(e.at));
        if (e.state === 'running' && !readyAt.has(e.service)) readyAt.set(e.service, Date.parse(e.at));
      },
      { after: 0 },
    );
    const res = await up.done;
    r.upMs = performance.now() - t0;
    const st = await a.api('GET', '/v1/status');
    if (res.code !== 0) {
      const lost = st.services.filter((s) => /not ready within/.test(s.reason ?? '') || s.restarts > 0);
      const notUp = st.services.filter((s) => s.state !== 'running');
      r.lost = lost.length;
      r.notRunning = notUp.length;
      if (lost.length) {
        const layers = [...new Set(lost.map((s) => Number(/^d(\d+)-/.exec(s.name)?.[1])))].sort((x, y) => x - y);
        throw new Error(`${lost.length} service(s) not seen ready within their ready_timeout (layer(s) ${layers.join(', ')}); ${notUp.length} of ${n} not running after up -d (${(res.stdout.trim().split('\n').at(-1) ?? '').slice(0, 80)})`);
      }
      throw new Error(`kelpie up -d exited ${res.code}: ${(res.stderr || res.stdout).trim().split('\n').slice(-3).join(' / ')}`);
    }
    const bad = st.services.filter((s) => s.state !== 'running' || s.restarts > 0);
    if (st.services.length !== n || bad.length) throw new Error(`after up -d: ${bad.length} of ${st.services.length} services not running first time (e.g. ${bad[0]?.name} ${bad[0]?.state})`);
    const lastReady = Math.max(...st.services.map((s) => Date.parse(s.since)));
    r.allReadyMs = lastReady - t0w;
    r.ratio = r.allReadyMs / r.idealMs;
    // the breakdown, from the event stream (complete only if it started at seq 1)
    await new Promise((res2) => setTimeout(res2, 50));
    r.eventsComplete = firstSeq === 1 && spawnAt.size === n && readyAt.size === n;
    if (spawnAt.size) {
      const firstSpawn = Math.min(...spawnAt.values());
      r.bootMs = firstSpawn - t0w;
      r.orchestrateMs = lastReady - firstSpawn;
      const s2r = [...spawnAt].filter(([s]) => readyAt.has(s)).map(([s, t]) => readyAt.get(s) - t);
      r.spawnToReady = { p50: percentile(s2r, 50), p99: percentile(s2r, 99), max: Math.max(...s2r), samples: s2r.length };
      const lag = [];
      for (const [s, reqs] of shape.requires) {
        if (!reqs.length || !spawnAt.has(s) || !reqs.every((q) => readyAt.has(q))) continue;
        lag.push(spawnAt.get(s) - Math.max(...reqs.map((q) => readyAt.get(q))));
      }
      if (lag.length) r.dispatchLag = { p50: percentile(lag, 50), p99: percentile(lag, 99), max: Math.max(...lag), samples: lag.length };
      // The critical path of this run's own start times: each service's spawn → ready, summed
      // along its slowest chain of requires. It is what a scheduler with no overhead of its own
      // would need, given how long each service took to start here, under this run's load.
      const reqOf = new Map(shape.requires);
      const cp = new Map();
      for (const layer of shape.layers) {
        for (const s of layer) {
          if (!spawnAt.has(s) || !readyAt.has(s)) continue;
          const before = Math.max(0, ...(reqOf.get(s) ?? []).map((q) => cp.get(q) ?? 0));
          cp.set(s, before + readyAt.get(s) - spawnAt.get(s));
        }
      }
      if (cp.size === n) r.runCriticalMs = Math.max(...cp.values());
      // when each layer was all ready, from the first spawn
      r.layerReadyMs = shape.layers.map((layer) => (layer.every((s) => readyAt.has(s)) ? Math.max(...layer.map((s) => readyAt.get(s))) - firstSpawn : null));
    }
    events.close();
    events = null;

    const pids = [...(await a.servicePids()), ...supervisorTree(a.roots())];
    const t1 = performance.now();
    await a.stopAll();
    await until(() => pids.every((x) => !alive(x)), { timeoutMs: big, everyMs: 10, what: 'every process to exit' });
    r.stopMs = performance.now() - t1;
    r.stopped = true;
  } catch (err) {
    r.ok = false;
    r.error = String(err?.message ?? err).split('\n')[0];
    log(`  kelpie ${variant} N=${n} rep ${rep + 1}: FAILED: ${r.error}`);
  } finally {
    events?.close();
    await a.teardown?.().catch(() => {});
    r.leftAfterStop = await cleanup(mark, 'kelpie', r.stopped);
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
  if (r.ok) {
    log(
      `  kelpie ${variant.padEnd(5)} N=${n} depth ${depth} rep ${rep + 1}: all ready ${fmtMs(r.allReadyMs)} (${r.ratio.toFixed(2)}× the ideal ${fmtMs(r.idealMs)}); ` +
        `start-up ${fmtMs(r.bootMs)}, first spawn → all ready ${fmtMs(r.orchestrateMs)}, dispatch lag p50 ${fmtMs(r.dispatchLag?.p50)}; up -d ${fmtMs(r.upMs)}; stop ${fmtMs(r.stopMs)}`,
    );
  }
  return r;
}
