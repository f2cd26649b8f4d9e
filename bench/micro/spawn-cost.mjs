// Per-call cost of child_process.spawn alone, as the keeper pays it: wall time of the call (it
// returns only once the child has exec'd) and the caller's CPU; then the keeper's per-spawn path
// (two mkfifo through koffi, four opens, spawn, /proc/PID/stat). Not part of `npm run bench`:
//   node bench/micro/spawn-cost.mjs [COUNT]     (default 200; uses /tmp/kelpie-bench/micro-fifo)
// Every child is `sleep`, killed by its process group at the end of each series.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, constants } from 'node:fs';
import { performance } from 'node:perf_hooks';
const N = Number(process.argv[2] ?? 200);
const require = createRequire(new URL('../../package.json', import.meta.url));
const koffi = require('koffi');
const mkfifo = koffi.load('libc.so.6').func('int mkfifo(const char *, uint32_t)');
const dir = '/tmp/kelpie-bench/micro-fifo'; rmSync(dir, { recursive: true, force: true }); mkdirSync(dir, { recursive: true });
const env = { ...process.env };
function kill(children) {
  for (const c of children) {
    try {
      if (c.pid > 1) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const p = (a, q) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]; };
async function bare(stdio) {
  const t = [], ch = []; const u0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    ch.push(spawn('sleep', ['1000000'], { env: { ...env }, detached: true, stdio }));
    t.push(performance.now() - t0);
  }
  const u = process.cpuUsage(u0); t.cpu = (u.user + u.system) / 1000;
  kill(ch); await new Promise((r) => setTimeout(r, 300));
  return t;
}
async function keeperPath() {
  const t = [], ch = [], fds = []; const u0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const ps = [`${dir}/s${i}.out`, `${dir}/s${i}.err`];
    for (const x of ps) mkfifo(x, 0o600);
    const r = ps.map((x) => openSync(x, constants.O_RDONLY | constants.O_NONBLOCK));
    const w = ps.map((x) => openSync(x, constants.O_RDWR));
    const c = spawn('sleep', ['1000000'], { env: { ...env }, detached: true, stdio: ['ignore', w[0], w[1]] });
    for (const fd of w) closeSync(fd);
    readFileSync(`/proc/${c.pid}/stat`, 'utf8');
    t.push(performance.now() - t0);
    ch.push(c); fds.push(...r);
  }
  const u = process.cpuUsage(u0); t.cpu = (u.user + u.system) / 1000;
  kill(ch); for (const fd of fds) closeSync(fd); await new Promise((r) => setTimeout(r, 300));
  return t;
}
for (let round = 0; round < 2; round++) {
  const a = await bare(['ignore', 'pipe', 'pipe']);
  const b = await bare(['ignore', 'ignore', 'ignore']);
  const c = await keeperPath();
  const f = (x) => `p50 ${med(x).toFixed(2)} ms, p90 ${p(x, 0.9).toFixed(2)} ms, wall total ${x.reduce((s, v) => s + v, 0).toFixed(0)} ms, CPU ${(x.cpu / x.length).toFixed(2)} ms per spawn`;
  console.log(`round ${round + 1}, ${N} spawns each (load ${(await import('node:os')).loadavg()[0].toFixed(2)}):`);
  console.log(`  spawn(), stdio pipes:            ${f(a)}`);
  console.log(`  spawn(), stdio ignore:           ${f(b)}`);
  console.log(`  keeper path (2 FIFOs + spawn):   ${f(c)}`);
}
rmSync(dir, { recursive: true, force: true });
