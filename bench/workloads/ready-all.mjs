// "Until all ready": N services that each declare readiness on a notification fd and signal it
// as soon as they run — kelpie `ready = { fd = 3 }` with `/bin/sh -c 'echo >&3; exec 3>&-;
// exec sleep 1000000'`, s6 `notification-fd` 3 with the same three lines as its run script.
// Timed from launching the supervisor (`kelpie up -d`, `s6-svscan DIR`) until its own view
// shows every service ready: kelpie's /v1/status all `running` (kelpie counts a service with
// declared readiness running only once it is ready), s6's supervise/status with the ready
// flag. Then stop all (timed too, for the record). kelpie runs a second time with sd_notify
// readiness (`ready = { notify = true }`, each service `systemd-notify --ready` and then exec
// `sleep`), when systemd-notify is installed.
//
// Should kelpie lose a readiness report (it did before e17a670 when the report reached the
// controller in the same read as the spawn reply; see docs/benchmarks.md), the service stays
// `starting` until its ready_timeout (set to 5 s here), is respawned (restart = "always") and
// normally gets through the second time. `kelpie up -d` then exits 1; the run goes on until
// every service is running and counts the services that needed a respawn (`lost`).
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { alive, supervisorTree, until } from '../lib/proc.mjs';
import { fmtMs } from '../lib/report.mjs';

/** Systems with readiness notification that this workload compares. */
export const READY_SYSTEMS = ['kelpie', 's6'];

/** The runs of one repetition: [system, mechanism]; kelpie with fd, and with sd_notify if it can. */
export function readyAllVariants(systems) {
  const out = [];
  for (const s of systems) {
    out.push([s, 'fd']);
    if (s === 'kelpie' && existsSync('/usr/bin/systemd-notify')) out.push([s, 'notify']);
  }
  return out;
}

export async function readyAllRun(factory, sys, n, rep, o, ctxBase, { log, cleanup }, mech = 'fd') {
  const tag = mech === 'fd' ? '' : `-${mech}`;
  const mark = `${ctxBase.session}-${sys}-ready${n}${tag}-r${rep}`;
  const dir = join(ctxBase.runs, `${sys}-ready${n}${tag}-r${rep}`);
  mkdirSync(dir, { recursive: true });
  const ctx = { root: ctxBase.root, kelpieRoot: ctxBase.kelpieRoot, scratch: o.scratch, env: { ...process.env, KELPIE_BENCH_MARK: mark } };
  const a = factory(ctx);
  const r = { workload: 'ready-all', system: sys, mech, n, rep, ok: true };
  const big = 120_000 + n * 200;
  try {
    await a.setup(n, dir, { ready: mech, readyTimeout: '5s' });
    const t0 = performance.now();
    if (sys === 'kelpie') {
      const up = await a.startNoWait().done;
      r.upExit = up.code;
      if (up.code !== 0 && up.code !== 1) throw new Error(`kelpie up -d exited ${up.code}: ${(up.stderr || up.stdout).trim().split('\n').slice(-2).join(' / ')}`);
    } else await a.start();
    await a.waitAllRunning(big);
    r.readyMs = performance.now() - t0;
    if (sys === 'kelpie') {
      const again = (await a.api('GET', '/v1/status')).services.filter((x) => x.restarts > 0);
      r.lost = again.length; // services that needed a respawn
      r.lostReports = again.reduce((t, x) => t + x.restarts, 0); // reports lost in all
    }
    const pids = [...(await a.servicePids()), ...supervisorTree(a.roots())];
    const t1 = performance.now();
    await a.stopAll();
    await until(() => pids.every((x) => !alive(x)), { timeoutMs: big, everyMs: 5, what: 'every process to exit' });
    r.stopMs = performance.now() - t1;
    r.stopped = true;
  } catch (err) {
    r.ok = false;
    r.error = String(err?.message ?? err).split('\n')[0];
    log(`  ${sys} ready (${mech}) N=${n} rep ${rep + 1}: FAILED: ${r.error}`);
  } finally {
    await a.teardown?.().catch(() => {});
    r.leftAfterStop = await cleanup(mark, sys, r.stopped);
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
  if (r.ok) log(`  ${sys.padEnd(11)} N=${n} rep ${rep + 1}: all ready (${mech}) ${fmtMs(r.readyMs)}${r.lost ? ` (${r.lost} readiness report(s) lost: respawned after ready_timeout)` : ''}, stop ${fmtMs(r.stopMs)}`);
  return r;
}
