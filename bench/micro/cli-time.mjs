// Times commands against each other: spawnSync, alternating, N runs each; prints the median,
// p90, min and mean child CPU (utime+stime, 10 ms ticks) of each, and the difference of its median
// to the first's. Not part of the suite. Usage, in a project directory:
//   node bench/micro/cli-time.mjs 40 floor '["node","-e","0"]' status '["node","/path/bin/kelpie","status","s00"]'
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
const n = Number(process.argv[2]);
const sys = [];
for (let i = 3; i < process.argv.length; i += 2) sys.push({ label: process.argv[i], argv: JSON.parse(process.argv[i + 1]), t: [], cpu: 0 });
const ticks = () => { const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); return (Number(f[13]) + Number(f[14])) * 10; };
const la0 = loadavg()[0];
for (let r = 0; r < n; r++) for (const s of sys) {
  const c0 = ticks();
  const t0 = process.hrtime.bigint();
  const res = spawnSync(s.argv[0], s.argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const dt = Number(process.hrtime.bigint() - t0) / 1e6;
  s.cpu += ticks() - c0;
  if (res.status !== 0) throw new Error(`${s.label} exit ${res.status}`);
  s.t.push(dt);
}
const la1 = loadavg()[0];
const q = (a, p) => { const b = [...a].sort((x, y) => x - y); return b[Math.min(b.length - 1, Math.floor(p * b.length))]; };
const base = sys[0];
for (const s of sys) console.log(`${s.label.padEnd(14)} median ${q(s.t, 0.5).toFixed(1)} ms  p90 ${q(s.t, 0.9).toFixed(1)}  min ${q(s.t, 0).toFixed(1)}  cpu ${(s.cpu / n).toFixed(1)}  Δmedian ${(q(s.t, 0.5) - q(base.t, 0.5)).toFixed(1)}  Δmin ${(q(s.t, 0) - q(base.t, 0)).toFixed(1)}`);
console.log(`n=${n} load ${la0.toFixed(2)} -> ${la1.toFixed(2)}`);
