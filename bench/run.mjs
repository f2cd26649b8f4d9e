// The benchmark driver behind `npm run bench` (scripts/bench.mjs). See docs/benchmarks.md.
//
// For each N, each repetition runs every installed system once, in an order rotated by one
// per repetition (so no system always goes first or last), through the same workload:
// cold start → memory → idle CPU → status query → crash→respawn → (kelpie) controller
// takeover → stop all. Then the log-throughput workload, alternating the same way. Then the
// readiness workloads (bench/workloads/): kelpie's readiness detection latency and idle CPU
// per mechanism; "until all ready" with notification-fd readiness, kelpie against s6; and a
// dependency DAG with readiness against its critical path. `--only=` picks workloads.
// Every process a run starts carries KELPIE_BENCH_MARK in its environment; after each run
// and at the very end a sweep finds any such process left, reports it and kills it by PID.
import { closeSync, mkdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { run } from './lib/exec.mjs';
import { CPU_RESOLUTION_MS, alive, cpuMs, marked, memory, signalPid, sleep, stat, supervisorTree, until } from './lib/proc.mjs';
import { LINE_BYTES, checkFiles, endsWithEnd, openGo, writeWriter } from './lib/logcheck.mjs';
import { fmtMiB, fmtMs, median, percentile, renderReport } from './lib/report.mjs';
import { MECHANISMS, findPython, readinessRun } from './workloads/readiness.mjs';
import { READY_SYSTEMS, readyAllRun, readyAllVariants } from './workloads/ready-all.mjs';
import { DAG_VARIANTS, dagRun } from './workloads/dag.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const SYSTEMS = ['kelpie', 's6', 'runit', 'supervisord', 'pm2'];
const WORKLOADS = ['services', 'log', 'ready-latency', 'ready-all', 'dag'];

// readyTrials: readiness-latency trials per mechanism; readyIdleN: services per mechanism in
// its idle-CPU window; readyN/readyReps: the "until all ready" workload; dag*: the DAG.
const PROFILES = {
  quick: { ns: [100], reps: 1, idleS: 3, kills: 10, statusRuns: 3, logMiB: 10, logReps: 1, readyTrials: 30, readyIdleN: 20, readyN: 100, readyReps: 1, dagN: 200, dagDepth: 10, dagDelayMs: 10, dagReps: 1 },
  standard: { ns: [100], reps: 3, idleS: 10, kills: 15, statusRuns: 5, logMiB: 50, logReps: 3, readyTrials: 100, readyIdleN: 100, readyN: 100, readyReps: 3, dagN: 200, dagDepth: 10, dagDelayMs: 10, dagReps: 2 },
  full: { ns: [100, 1000], reps: 5, idleS: 30, kills: 50, statusRuns: 10, logMiB: 200, logReps: 5, readyTrials: 300, readyIdleN: 100, readyN: 100, readyReps: 5, dagN: 1000, dagDepth: 10, dagDelayMs: 10, dagReps: 3 },
};

const USAGE = `usage: npm run bench [-- OPTIONS]

profiles (default: standard):
  (none)             N=100, 3 repetitions, idle 10 s, 15 kills/run, 50 MiB of log;
                     100 readiness trials per mechanism; DAG of 200 services   (~7 min)
  --quick            N=100, 1 repetition, idle 3 s, 10 kills, 10 MiB of log; 30 trials;
                     DAG of 200 once: for smoke use                            (under 2 min)
  --full             N=100 and 1000, 5 repetitions, idle 30 s, 50 kills/run, 200 MiB;
                     300 readiness trials; DAG of 1000 services                (long)
  --smoke            the same as --quick
workloads (default: all of them):
  --only=W,W         only these of ${WORKLOADS.join(', ')}
  --no-services      skip the N-services workload     --no-log   skip the log workload
overrides:
  --systems=a,b      only these (of ${SYSTEMS.join(', ')})
  --n=100,1000       service counts        --reps=K        repetitions
  --idle=SECONDS     idle-CPU window       --kills=K       crash→respawn samples per run
  --log-mib=M        log workload size     --log-reps=K    log repetitions
  --trials=K         readiness-latency trials per mechanism
  --mechanisms=a,b   readiness mechanisms (of ${MECHANISMS.join(', ')})
  --ready-idle-n=M   services per mechanism during its idle-CPU window
  --ready-n=N        services in "until all ready"   --ready-reps=K  its repetitions
  --dag-n=N          DAG services   --dag-depth=D   its depth   --dag-delay=MS  ready delay
  --dag-reps=K       DAG repetitions                --dag-variants=${DAG_VARIANTS.join(',')}
  --dir=PATH         scratch directory (default /tmp/kelpie-bench; all systems use it, so
                     every supervisor writes its state on the same filesystem)
  --keep             keep each run's directory       --no-build   use dist/ as it is
  --kelpie=DIR       run the kelpie built in checkout DIR (bin/kelpie, dist/) instead of
                     this one's, e.g. a worktree with a candidate fix; DIR is not built
  --out=FILE         report (default bench/results/latest.md; JSON beside it)
  --unset=VAR,VAR    run every system (and the node -e 0 floor) without these environment
                     variables, e.g. NODE_EXTRA_CA_CERTS, which every Node start pays for`;

function parseArgs(argv) {
  const o = { profile: 'standard', systems: SYSTEMS, workloads: new Set(WORKLOADS), mechanisms: MECHANISMS, dagVariants: DAG_VARIANTS, scratch: '/tmp/kelpie-bench', keep: false, build: true, out: join(ROOT, 'bench/results/latest.md') };
  const over = {};
  for (const a of argv) {
    const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const num = () => {
      const x = Number(v);
      if (!Number.isFinite(x) || x <= 0) throw new Error(`${k}: expected a positive number, got ${v}`);
      return x;
    };
    switch (k) {
      case '--quick':
      case '--smoke':
        o.profile = 'quick';
        break;
      case '--full':
        o.profile = 'full';
        break;
      case '--systems':
        o.systems = v.split(',').filter(Boolean);
        for (const s of o.systems) if (!SYSTEMS.includes(s)) throw new Error(`unknown system ${s} (known: ${SYSTEMS.join(', ')})`);
        break;
      case '--n':
        over.ns = v.split(',').map(Number);
        if (over.ns.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`--n: expected counts like 100,1000`);
        break;
      case '--reps':
        over.reps = num();
        break;
      case '--idle':
        over.idleS = num();
        break;
      case '--kills':
        over.kills = num();
        break;
      case '--log-mib':
        over.logMiB = num();
        break;
      case '--log-reps':
        over.logReps = num();
        break;
      case '--only': {
        const ws = (v ?? '').split(',').filter(Boolean);
        for (const w of ws) if (!WORKLOADS.includes(w)) throw new Error(`--only: unknown workload ${w} (known: ${WORKLOADS.join(', ')})`);
        if (ws.length === 0) throw new Error(`--only: expected workloads like ${WORKLOADS.join(',')}`);
        o.workloads = new Set(ws);
        break;
      }
      case '--no-services':
        o.noServices = true;
        break;
      case '--no-log':
        o.noLog = true;
        break;
      case '--trials':
        over.readyTrials = Math.round(num());
        break;
      case '--mechanisms':
        o.mechanisms = (v ?? '').split(',').filter(Boolean);
        for (const m of o.mechanisms) if (!MECHANISMS.includes(m)) throw new Error(`unknown mechanism ${m} (known: ${MECHANISMS.join(', ')})`);
        break;
      case '--ready-idle-n':
        over.readyIdleN = Math.round(num());
        break;
      case '--ready-n':
        over.readyN = Math.round(num());
        break;
      case '--ready-reps':
        over.readyReps = Math.round(num());
        break;
      case '--dag-n':
        over.dagN = Math.round(num());
        break;
      case '--dag-depth':
        over.dagDepth = Math.round(num());
        break;
      case '--dag-delay':
        over.dagDelayMs = num();
        break;
      case '--dag-reps':
        over.dagReps = Math.round(num());
        break;
      case '--dag-variants':
        o.dagVariants = (v ?? '').split(',').filter(Boolean);
        for (const x of o.dagVariants) if (!DAG_VARIANTS.includes(x)) throw new Error(`unknown DAG variant ${x} (known: ${DAG_VARIANTS.join(', ')})`);
        break;
      case '--dir':
        o.scratch = resolve(v);
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--no-build':
        o.build = false;
        break;
      case '--kelpie':
        o.kelpieRoot = resolve(v);
        break;
      case '--out':
        o.out = resolve(v);
        break;
      case '--unset':
        o.unset = v.split(',').filter(Boolean);
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  o.p = { ...PROFILES[o.profile], ...over };
  if (o.noServices) o.workloads.delete('services');
  if (o.noLog) o.workloads.delete('log');
  o.services = o.workloads.has('services');
  o.log = o.workloads.has('log');
  return o;
}

const log = (s) => process.stderr.write(`${s}\n`);
/** "PID CMD; …" for at most 8 processes, and how many more. */
const listProcs = (ps) => `${ps.slice(0, 8).map((x) => `${x.pid} ${x.cmd.slice(0, 80)}`).join('; ')}${ps.length > 8 ? `; and ${ps.length - 8} more` : ''}`;
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);

/**
 * After a run: anything still carrying the run's mark is killed by PID. Counted against the
 * system only when its own "stop all" had completed (after a failure, this is the cleanup).
 */
async function cleanup(mark, sys, stopped) {
  const left = await sweep(mark);
  if (left.length) {
    const what = stopped ? 'left alive after stop all' : 'cleaned up after the failure';
    log(`  ${sys}: ${left.length} process(es) ${what}, killed: ${listProcs(left)}`);
  }
  return stopped ? left.length : 0;
}

/**
 * Sweeps processes marked `mark` (a prefix): TERM, a grace period, then KILL, by PID. Scans
 * again until a scan finds nothing (a process may fork while being stopped), at most 5 times.
 */
async function sweep(mark, graceMs = 2000) {
  const all = [];
  for (let round = 0; round < 5; round++) {
    const found = marked(mark);
    if (found.length === 0) break;
    all.push(...found);
    for (const p of found) signalPid(p.pid, 'SIGTERM');
    const end = Date.now() + graceMs;
    while (Date.now() < end && found.some((p) => alive(p.pid))) await sleep(50);
    for (const p of found) if (alive(p.pid)) signalPid(p.pid, 'SIGKILL');
    await sleep(100);
  }
  return all;
}

async function machine(scratch, gitRoot = ROOT) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const fs = await run('stat', ['-f', '-c', '%T', scratch]).catch(() => null);
  let git = '';
  const head = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: gitRoot }).catch(() => null);
  if (head?.code === 0) {
    const dirty = await run('git', ['status', '--porcelain', '--', 'src'], { cwd: gitRoot }).catch(() => null);
    git = `${head.stdout.trim()}${dirty?.stdout.trim() ? ' (src/ modified)' : ''}`;
  }
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    nproc: availableParallelism(),
    memGiB: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    scratch,
    scratchFs: fs?.stdout.trim() ?? '?',
    kelpieGit: git,
    loadBefore: loadavg(),
    // Variables that change what every Node start costs (kelpie's CLI and pm2's are Node).
    nodeEnv: ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'].filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`),
  };
}

/** The N-services workload for one system, one repetition. */
async function servicesRun(factory, sys, n, rep, o, ctxBase) {
  const mark = `${ctxBase.session}-${sys}-n${n}-r${rep}`;
  const dir = join(ctxBase.runs, `${sys}-n${n}-r${rep}`);
  mkdirSync(dir, { recursive: true });
  const ctx = { root: ROOT, kelpieRoot: o.kelpieRoot, scratch: o.scratch, env: { ...process.env, KELPIE_BENCH_MARK: mark } };
  const a = factory(ctx);
  const r = { system: sys, n, rep, ok: true, status: [], respawn: [] };
  const p = o.p;
  const big = 120_000 + n * 200;
  try {
    await a.setup(n, dir);
    // cold start: from launching the supervisor until its own view shows every service running
    let t0 = performance.now();
    await a.start();
    await a.waitAllRunning(big);
    r.coldMs = performance.now() - t0;
    await sleep(500); // let start-up work finish before the idle window

    // idle CPU, then memory (in the steady state after it) of the supervisor's own processes
    const sup = supervisorTree(a.roots());
    const c0 = cpuMs(sup);
    await sleep(p.idleS * 1000);
    r.idleCpuMs = cpuMs(sup) - c0;
    const mem = memory(sup);
    r.pssKiB = mem.pssKiB;
    r.rssKiB = mem.rssKiB;
    r.supProcs = mem.processes;

    // one status query through the system's CLI
    for (let k = 0; k < p.statusRuns; k++) {
      const q = await a.statusOne();
      if (q.code !== 0) throw new Error(`status query exited ${q.code}: ${q.stderr || q.stdout}`);
      r.status.push(q.ms);
    }
    r.statusMs = median(r.status);

    // crash→respawn: kill -9 a service, time until the supervisor shows a new PID
    await a.beginCrashes?.();
    for (let k = 0; k < p.kills; k++) {
      const i = (k * 7) % n;
      const old = await a.pidOf(i);
      if (!old || stat(old)?.comm !== 'sleep') throw new Error(`s${i}: pid ${old} is not a running service`);
      const w = a.respawnWaiter(i, old);
      const tk = performance.now();
      signalPid(old, 'SIGKILL');
      const t1 = await Promise.race([w.promise, sleep(15_000).then(() => NaN)]);
      w.cancel();
      if (!Number.isFinite(t1)) throw new Error(`s${i}: no respawn seen within 15 s`);
      r.respawn.push(t1 - tk);
      await a.afterRespawn?.(i, old);
      await sleep(30);
    }
    await a.endCrashes?.();

    if (a.controllerTakeover) r.takeover = await a.controllerTakeover();
    await sleep(1000); // stop from a steady state, not right after a respawn

    // stop all: from the stop command until every service and supervisor process is gone
    const pids = [...(await a.servicePids()), ...supervisorTree(a.roots())];
    t0 = performance.now();
    await a.stopAll();
    await until(() => pids.every((x) => !alive(x)), { timeoutMs: big, everyMs: 5, what: 'every process to exit' });
    r.stopMs = performance.now() - t0;
    r.stopped = true;
  } catch (err) {
    r.ok = false;
    r.error = String(err?.message ?? err).split('\n')[0];
    log(`  ${sys} N=${n} rep ${rep + 1}: FAILED: ${r.error}`);
  } finally {
    await a.teardown?.().catch(() => {});
    r.leftAfterStop = await cleanup(mark, sys, r.stopped);
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
  if (r.ok) {
    log(
      `  ${sys.padEnd(11)} N=${n} rep ${rep + 1}: cold ${fmtMs(r.coldMs)}, PSS ${fmtMiB(r.pssKiB)}, idle ${r.idleCpuMs} ms, status ${fmtMs(r.statusMs)}, ` +
        `respawn p50 ${fmtMs(percentile(r.respawn, 50))}, stop ${fmtMs(r.stopMs)}${r.takeover ? `, takeover ${fmtMs(r.takeover.ms)} (${r.takeover.kept}/${r.takeover.total} kept)` : ''}`,
    );
  }
  return r;
}

/** The log-throughput workload for one system, one repetition. */
async function logRun(factory, sys, rep, o, ctxBase) {
  const mark = `${ctxBase.session}-${sys}-log-r${rep}`;
  const dir = join(ctxBase.runs, `${sys}-log-r${rep}`);
  mkdirSync(dir, { recursive: true });
  const ctx = { root: ROOT, kelpieRoot: o.kelpieRoot, scratch: o.scratch, env: { ...process.env, KELPIE_BENCH_MARK: mark } };
  const a = factory(ctx);
  const lines = Math.floor((o.p.logMiB * 1048576) / LINE_BYTES);
  const r = { system: sys, rep, ok: true, lines };
  try {
    const writer = await writeWriter(dir, lines, run);
    await a.setupLog(dir, writer, 1048576);
    await a.start();
    // The writer blocks opening its FIFO; once it does, we can open the FIFO for writing.
    const fd = await until(() => openGo(writer.go), { timeoutMs: 60_000, everyMs: 10, what: 'the writer to start' });
    await sleep(500); // the logger processes are up too
    const sup = supervisorTree(a.roots());
    const c0 = cpuMs(sup);
    writeSync(fd, '\n');
    closeSync(fd);
    const endSeen = () => {
      try {
        const files = a.logFiles();
        return endsWithEnd(files[files.length - 1]) || (files.length > 1 && endsWithEnd(files[files.length - 2]));
      } catch {
        return false; // the log directory is not there yet
      }
    };
    await until(endSeen, { timeoutMs: 900_000, everyMs: 5, what: 'the END line in the log' });
    const t1 = performance.timeOrigin + performance.now();
    r.cpuMs = cpuMs(sup) - c0;
    const t0 = Number(readFileSync(writer.t0File, 'utf8').trim()) / 1e6;
    r.seconds = (t1 - t0) / 1000;
    r.mib = (lines * LINE_BYTES + 4) / 1048576;
    r.mibPerS = r.mib / r.seconds;
    r.cpuPerMiB = r.cpuMs / r.mib;
    const pids = [...supervisorTree(a.roots())];
    await a.stopAll();
    await until(() => pids.every((x) => !alive(x)), { timeoutMs: 120_000, everyMs: 10, what: 'the supervisor to exit' });
    r.stopped = true;
    Object.assign(r, checkFiles(a.logFiles(), a.linePrefix, lines));
  } catch (err) {
    r.ok = false;
    r.error = String(err?.message ?? err).split('\n')[0];
    log(`  ${sys} log rep ${rep + 1}: FAILED: ${r.error}`);
  } finally {
    await a.teardown?.().catch(() => {});
    r.leftAfterStop = await cleanup(mark, sys, r.stopped);
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
  if (r.ok) {
    log(
      `  ${sys.padEnd(11)} log rep ${rep + 1}: ${r.mibPerS.toFixed(1)} MiB/s, ${r.cpuPerMiB.toFixed(1)} ms CPU/MiB, ` +
        `lost ${r.lost}, corrupted ${r.corrupted}${r.duplicated ? `, duplicated ${r.duplicated}` : ''}, ${r.files} file(s)${r.sample?.length ? `; e.g. ${JSON.stringify(r.sample[0])}` : ''}`,
    );
  }
  return r;
}

export async function main(argv) {
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    log(`bench: ${e.message}`);
    return 2;
  }
  if (o.help) {
    log(USAGE);
    return 0;
  }
  const started = new Date();
  const session = `kb-${randomBytes(4).toString('hex')}`;
  const runs = join(o.scratch, 'runs', session);
  mkdirSync(runs, { recursive: true });

  let interrupted = false;
  const onSignal = async () => {
    if (interrupted) return;
    interrupted = true;
    log('\nbench: interrupted: stopping everything this session started');
    const left = await sweep(session);
    log(`bench: final sweep: ${left.length ? `killed ${left.length}: ${listProcs(left)}` : 'nothing left'}`);
    if (!o.keep) rmSync(runs, { recursive: true, force: true });
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let buildNote = o.kelpieRoot ? `kelpie run from ${o.kelpieRoot} (--kelpie; its dist/ as it was)` : 'dist/ used as it was (--no-build)';
  if (o.build && !o.kelpieRoot) {
    const b = await run(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT });
    buildNote = b.code === 0 ? 'built from src/ by the run (npm run build)' : 'build FAILED; dist/ used as it was';
    if (b.code !== 0) log(`bench: npm run build failed; using dist/ as it is\n${b.stderr}`);
  }

  const factories = {};
  const status = {};
  const versions = {};
  for (const s of o.systems) {
    const factory = (await import(`./adapters/${s}.mjs`)).default;
    const probe = factory({ root: ROOT, kelpieRoot: o.kelpieRoot, scratch: o.scratch, env: process.env });
    const why = await probe.installed();
    status[s] = why ?? 'ok';
    if (!why) {
      factories[s] = factory;
      versions[s] = await probe.version().catch(() => s);
    }
  }
  const active = o.systems.filter((s) => factories[s]);
  for (const v of o.unset ?? []) delete process.env[v];
  const mach = await machine(o.scratch, o.kelpieRoot ?? ROOT);
  mach.unset = o.unset ?? [];
  log(`bench: ${o.profile} profile (${JSON.stringify(o.p)}); systems: ${o.systems.map((s) => `${s}${factories[s] ? '' : ` (${status[s]})`}`).join(', ')}`);
  log(`bench: ${mach.cpu}, ${mach.nproc} cores, ${mach.memGiB.toFixed(1)} GiB, Linux ${mach.kernel}, node ${mach.node}; scratch ${o.scratch} (${mach.scratchFs}); load ${mach.loadBefore.map((x) => x.toFixed(2)).join(' ')}`);

  const results = { services: [], log: [], floor: [], readyLatency: [], readyAll: [], dag: [] };
  const ctxBase = { session, runs, root: ROOT, kelpieRoot: o.kelpieRoot };
  const helpers = { log, cleanup };
  if (o.services) {
    for (const n of o.p.ns) {
      for (let rep = 0; rep < o.p.reps; rep++) {
        log(`N=${n}, repetition ${rep + 1}/${o.p.reps}`);
        // the floor for a CLI status query: starting node and doing nothing
        for (let k = 0; k < o.p.statusRuns; k++) results.floor.push((await run(process.execPath, ['-e', '0'])).ms);
        for (const s of rotate(active, rep)) results.services.push(await servicesRun(factories[s], s, n, rep, o, ctxBase));
      }
    }
  }
  if (o.log) {
    for (let rep = 0; rep < o.p.logReps; rep++) {
      log(`log throughput (${o.p.logMiB} MiB), repetition ${rep + 1}/${o.p.logReps}`);
      for (const s of rotate(active, rep)) results.log.push(await logRun(factories[s], s, rep, o, ctxBase));
    }
  }
  const notes = {};
  if (o.workloads.has('ready-latency')) {
    if (!factories.kelpie) notes.readyLatency = 'kelpie not selected or not built';
    else {
      const python = await findPython();
      if (!python) notes.readyLatency = 'python3 not found (the fixture is bench/fixtures/ready.py)';
      else {
        notes.python = python;
        const fixture = join(ROOT, 'bench/fixtures/ready.py');
        log(`readiness latency: ${o.p.readyTrials} trials per mechanism; idle CPU with ${o.p.readyIdleN} services each (${o.p.idleS} s)`);
        for (const m of ['none', ...o.mechanisms]) results.readyLatency.push(await readinessRun(factories.kelpie, m, o, ctxBase, { ...helpers, python, fixture }));
      }
    }
  }
  if (o.workloads.has('ready-all')) {
    const rs = readyAllVariants(active.filter((s) => READY_SYSTEMS.includes(s)));
    for (let rep = 0; rep < o.p.readyReps; rep++) {
      log(`until all ready: N=${o.p.readyN}, notification-fd (and kelpie sd_notify) readiness, repetition ${rep + 1}/${o.p.readyReps}`);
      for (const [s, mech] of rotate(rs, rep)) results.readyAll.push(await readyAllRun(factories[s], s, o.p.readyN, rep, o, ctxBase, helpers, mech));
    }
  }
  if (o.workloads.has('dag')) {
    if (!factories.kelpie) notes.dag = 'kelpie not selected or not built';
    else {
      for (let rep = 0; rep < o.p.dagReps; rep++) {
        log(`DAG: ${o.p.dagN} services, depth ${o.p.dagDepth}, ready ${o.p.dagDelayMs} ms after start; repetition ${rep + 1}/${o.p.dagReps}`);
        for (const v of rotate(o.dagVariants, rep)) results.dag.push(await dagRun(factories.kelpie, v, rep, o, ctxBase, helpers));
      }
    }
  }

  const left = await sweep(session);
  const sweepNote = left.length ? `killed ${left.length} left-over process(es): ${listProcs(left)}` : 'nothing left';
  if (!o.keep) rmSync(runs, { recursive: true, force: true });
  mach.loadAfter = loadavg();

  const report = renderReport({
    started,
    finished: new Date(),
    argv,
    profile: o.profile,
    params: o.p,
    machine: mach,
    systems: o.systems,
    workloads: [...o.workloads],
    mechanisms: o.mechanisms,
    notes,
    status,
    versions,
    results,
    buildNote,
    sweepNote,
    cpuResolutionMs: CPU_RESOLUTION_MS,
  });
  process.stdout.write(`${report}\n`);
  mkdirSync(resolve(o.out, '..'), { recursive: true });
  writeFileSync(o.out, `${report}\n`);
  writeFileSync(o.out.replace(/\.md$/, '') + '.json', JSON.stringify({ started, argv, profile: o.profile, params: o.p, workloads: [...o.workloads], notes, machine: mach, status, versions, results }, null, 1));
  log(`bench: final sweep: ${sweepNote}`);
  log(`bench: report written to ${o.out}`);
  const failed = [...results.services, ...results.log, ...results.readyLatency, ...results.readyAll, ...results.dag].filter((r) => !r.ok).length;
  return left.length || failed ? 1 : 0;
}
