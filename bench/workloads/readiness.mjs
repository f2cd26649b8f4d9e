// Readiness detection latency (kelpie only): for each of kelpie's notify, fd and file
// mechanisms, how long from a service signalling readiness until a client of the API sees the
// service's state become `running` — and the idle CPU of kelpie with services that use it.
//
// One kelpie project per mechanism (plus "none", no readiness declared, as the idle baseline):
//   - M idle services `i0 … i(M-1)` that signal at once and exec `sleep` (bench/fixtures/ready.py
//     MECH now). After they are all running and 0.5 s has passed, the CPU time of the keeper and
//     the controller is read over the idle window, as in the N-services workload.
//   - One trial service `probe` (autostart = false) running `ready.py MECH trigger FIFO STAMPS`.
//     Per trial: POST /v1/restart {wait: false}; wait until the new process blocks opening the
//     FIFO; wait a random 20–50 ms (kelpie is quiet again: the spawn's events and state file
//     write are done); write the trial id into the FIFO. The fixture stamps CLOCK_REALTIME and
//     CLOCK_MONOTONIC, signals, and appends its stamps to a file. The benchmark stamps the
//     arrival of the `running` event on its /v1/events stream (one stream for all trials).
// Figures per trial (ms):
//   wall    fixture's CLOCK_REALTIME stamp → event arrival, on the recalibrated wall clock
//           (lib/clock.mjs); the headline figure
//   mono    the same on CLOCK_MONOTONIC (both processes read the same clock): a cross-check
//   ctl     fixture stamp → the event's `at` (the controller's Date, truncated to the ms: low by
//           0–1 ms)
//   trig    the benchmark's write into the FIFO → event arrival, one clock (includes the
//           fixture waking up)
//   send    the fixture's own cost of signalling (stamp → after the send/write/create)
import { closeSync, existsSync, mkdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/exec.mjs';
import { calibrate, monoNs, wallMs } from '../lib/clock.mjs';
import { WORKLOAD_COMMS, alive, cpuMs, sleep, supervisorTree, until } from '../lib/proc.mjs';
import { openGo } from '../lib/logcheck.mjs';
import { fmtMs, percentile } from '../lib/report.mjs';

export const MECHANISMS = ['notify', 'fd', 'file'];
const READY = { notify: 'ready = { notify = true }', fd: 'ready = { fd = 3 }', file: 'ready = { file = true }', none: '' };
const EXCLUDE = new Set([...WORKLOAD_COMMS, 'python3', 'python3.11', 'python3.12', 'python3.13', 'python']);

/** The python3 interpreter itself (not a pyenv-style shim script): its path, or null. */
export async function findPython() {
  for (const p of ['/usr/bin/python3', '/usr/local/bin/python3']) if (existsSync(p)) return p;
  const r = await run('python3', ['-c', 'import sys; print(sys.executable)'], { timeoutMs: 10_000 }).catch(() => null);
  return r?.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

const q = (s) => JSON.stringify(s);

/**
 * One mechanism: idle CPU with `p.readyIdleN` services using it, then `p.readyTrials` trials
 * (none: idle only). Returns the result record; throws nothing (failures are recorded).
 */
export async function readinessRun(factory, mech, o, ctxBase, { python, fixture, log, cleanup }) {
  const p = o.p;
  const mark = `${ctxBase.session}-kelpie-ready-${mech}`;
  const dir = join(ctxBase.runs, `kelpie-ready-${mech}`);
  mkdirSync(dir, { recursive: true });
  const ctx = { root: ctxBase.root, kelpieRoot: ctxBase.kelpieRoot, scratch: o.scratch, env: { ...process.env, KELPIE_BENCH_MARK: mark } };
  const a = factory(ctx);
  const r = { workload: 'ready-latency', mechanism: mech, ok: true, idleN: p.readyIdleN, trials: [] };
  const fifo = join(dir, 'trigger');
  const stamps = join(dir, 'stamps');
  let events = null;
  try {
    await run('mkfifo', [fifo]);
    let toml = '';
    for (let i = 0; i < p.readyIdleN; i++) {
      const cmd = mech === 'none' ? ['sleep', '1000000'] : [python, '-S', fixture, mech, 'now'];
      // ready_timeout + restart: should kelpie lose a readiness report (it did before e17a670,
      // see docs/benchmarks.md), that costs 3 s and a respawn instead of failing the run; such
      // services are counted (lostAtStart).
      toml += `[services.i${i}]\ncommand = ${q(cmd)}\n${READY[mech]}\nrestart = "always"\nready_timeout = "3s"\nbackoff = { initial = "0s", max = "1ms" }\nstart_limit = { burst = 1000000, interval = "1s" }\n\n`;
    }
    if (mech !== 'none') {
      toml += `[services.probe]\ncommand = ${q([python, '-S', fixture, mech, 'trigger', fifo, stamps])}\n${READY[mech]}\nautostart = false\nrestart = "never"\nstart_limit = { burst = 1000000, interval = "1s" }\n\n`;
    }
    a.setupToml(dir, toml, p.readyIdleN);
    const up = await a.startNoWait().done;
    if (up.code !== 0 && up.code !== 1) throw new Error(`kelpie up -d exited ${up.code}: ${(up.stderr || up.stdout).trim().split('\n').slice(-2).join(' / ')}`);
    await a.waitAllRunning(120_000 + p.readyIdleN * 200);
    r.upExit = up.code;
    const again = (await a.api('GET', '/v1/status')).services.filter((x) => x.restarts > 0);
    r.lostAtStart = again.length; // idle services that needed a respawn to become ready
    r.lostReportsAtStart = again.reduce((t, x) => t + x.restarts, 0);
    await sleep(500);
    const sup = supervisorTree(a.roots(), EXCLUDE);
    const c0 = cpuMs(sup);
    await sleep(p.idleS * 1000);
    r.idleCpuMs = cpuMs(sup) - c0;
    r.supProcs = sup.length;

    if (mech !== 'none') {
      let want = null; // the waiter for the current trial's `running` event
      events = await a.events(
        (e, arrival) => {
          if (want && e.service === 'probe' && e.type === 'state' && e.state === 'running') want(e, arrival);
        },
        { stamp: () => ({ wall: wallMs(), mono: monoNs() }) },
      );
      const seen = new Map(); // trial id → fixture stamps
      const readStamps = () => {
        let text = '';
        try {
          text = readFileSync(stamps, 'latin1');
        } catch {
          return;
        }
        for (const line of text.split('\n')) {
          const [id, real, mono, after] = line.trim().split(' ');
          if (id && after && !seen.has(id)) seen.set(id, { realNs: BigInt(real), monoNs: BigInt(mono), afterNs: BigInt(after) });
        }
      };
      for (let k = 0; k < p.readyTrials; k++) {
        await a.api('POST', '/v1/restart', { services: ['probe'], wait: false });
        const fd = await until(() => openGo(fifo), { timeoutMs: 30_000, everyMs: 2, what: 'the probe to wait on its trigger' }).catch(async (err) => {
          const probe = (await a.api('GET', '/v1/status')).services.find((x) => x.name === 'probe');
          throw new Error(`trial ${k}: ${err.message} (probe ${probe?.state}: ${probe?.reason})`);
        });
        calibrate();
        await sleep(20 + Math.random() * 30);
        const got = new Promise((resolve) => (want = (e, arrival) => resolve({ e, arrival })));
        const trigMono = monoNs();
        writeSync(fd, `${k}\n`);
        closeSync(fd);
        const res = await Promise.race([got, sleep(p.readyLostMs ?? 5000).then(() => null)]);
        want = null;
        if (!res) {
          // the probe signalled (its stamps say so) but kelpie never reported it ready
          r.lost = (r.lost ?? 0) + 1;
          if (r.lost > Math.max(3, p.readyTrials / 10)) throw new Error(`${r.lost} trials lost (no running event within ${p.readyLostMs ?? 5000} ms)`);
          continue;
        }
        const id = String(k);
        await until(() => (readStamps(), seen.has(id)), { timeoutMs: 10_000, everyMs: 2, what: `the fixture's stamps for trial ${k}` });
        const s = seen.get(id);
        const realMs = Number(s.realNs) / 1e6;
        r.trials.push({
          wall: res.arrival.wall - realMs,
          mono: Number(res.arrival.mono - s.monoNs) / 1e6,
          ctl: Date.parse(res.e.at) - realMs,
          trig: Number(res.arrival.mono - trigMono) / 1e6,
          send: Number(s.afterNs - s.monoNs) / 1e6,
        });
      }
      events.close();
      events = null;
    }

    const pids = [...(await a.servicePids()), ...supervisorTree(a.roots(), EXCLUDE)];
    await a.stopAll();
    await until(() => pids.every((x) => !alive(x)), { timeoutMs: 120_000, everyMs: 10, what: 'every process to exit' });
    r.stopped = true;
  } catch (err) {
    r.ok = false;
    r.error = String(err?.message ?? err).split('\n')[0];
    log(`  kelpie ready-latency ${mech}: FAILED: ${r.error}`);
  } finally {
    events?.close();
    await a.teardown?.().catch(() => {});
    r.leftAfterStop = await cleanup(mark, 'kelpie', r.stopped);
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
  if (r.ok) {
    const w = r.trials.map((t) => t.wall);
    log(
      `  kelpie ready ${mech.padEnd(6)}: idle ${Math.round(r.idleCpuMs)} ms / ${p.idleS} s with ${p.readyIdleN} services` +
        (w.length ? `; signal→running p50 ${fmtMs(percentile(w, 50))}, p99 ${fmtMs(percentile(w, 99))}, max ${fmtMs(Math.max(...w))} (${w.length} trials)` : ''),
    );
  }
  return r;
}
