// kelpie with N `sleep` services: CPU of the keeper and the controller in each second from the
// moment all are running, for S seconds: when after start-up does the "idle" CPU happen?
// Not part of `npm run bench` (built kelpie needed):
//   node bench/micro/idle-trace.mjs [N] [S]     (default 100 45; uses /tmp/kelpie-bench/idle-trace)
import { mkdirSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import kelpie from '../adapters/kelpie.mjs';
import { supervisorTree, cpuMs, stat, sleep } from '../lib/proc.mjs';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const N = Number(process.argv[2] ?? 100), S = Number(process.argv[3] ?? 45);
const dir = '/tmp/kelpie-bench/idle-trace'; rmSync(dir, { recursive: true, force: true }); mkdirSync(dir, { recursive: true });
const a = kelpie({ root: ROOT, scratch: '/tmp/kelpie-bench', env: { ...process.env, KELPIE_BENCH_MARK: 'idle-trace-' + process.pid } });
await a.setup(N, dir);
const t0 = performance.now();
await a.start(); await a.waitAllRunning(120000);
console.log(`cold start ${(performance.now() - t0).toFixed(0)} ms`);
const sup = supervisorTree(a.roots());
console.log('supervisor pids', sup.map((p) => `${p} ${stat(p)?.comm}`).join(', '));
let prev = sup.map((p) => cpuMs([p]));
const per = [];
for (let s = 1; s <= S; s++) {
  await sleep(1000);
  const now = sup.map((p) => cpuMs([p]));
  per.push(now.map((v, i) => v - prev[i])); prev = now;
}
console.log('CPU ms per 1-s interval after all running [keeper, controller]:');
console.log(per.map((x, i) => `${i + 1}:${x.join('/')}`).join(' '));
const sum = (from, to) => per.slice(from, to).reduce((t, x) => t + x.reduce((a, b) => a + b, 0), 0);
console.log(`seconds 1-10: ${sum(0, 10)} ms; 11-40: ${sum(10, 40)} ms; after 40: ${sum(40, S)} ms`);
await a.stopAll(); await a.teardown?.();
rmSync(dir, { recursive: true, force: true });
