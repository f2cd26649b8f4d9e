// Chaos soak: runs a real kelpie daemon with misbehaving services, injects faults at random
// and checks kelpie's invariants all along. Usage (after `npm run build`):
//
//   npm run soak -- [--minutes M | --seconds S] [--seed N] [--json] [--keep]
//
// Faults: SIGKILL and SIGSTOP/SIGCONT of service processes and of the controller; services
// that crash in loops, double-fork, ignore SIGTERM or flood their output; three concurrent
// clients issuing start/stop/restart/reload. Invariants: no service runs twice at once; the
// pinned services are always running or in back-off, and at each checkpoint every service
// meant to be up is running or in back-off and every one meant to be down has no process; no
// zombie children of the keeper linger; state.json always decodes; after `kelpie down`
// nothing kelpie started is alive; the numbered-lines service loses and duplicates no line.
// Prints a summary (--json: one JSON line on stdout); exits 1 on any violation, 2 on misuse.
// Every process carries KELPIE_TEST_MARK (taken from the environment if set), and whatever is
// left at the end is killed by PID.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/kelpie');
const FIX = join(ROOT, 'test/fixtures');
const { Client } = await tsImport('../src/client/client.ts', import.meta.url);
const { decodeState } = await tsImport('../src/state/encode.ts', import.meta.url);
const { readStat } = await tsImport('../src/os/proc.ts', import.meta.url);

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const seconds = args.seconds !== undefined ? Number(args.seconds) : Number(args.minutes ?? 1) * 60;
if (!(seconds > 0)) usage('--minutes and --seconds take a positive number');
if (!existsSync(join(ROOT, 'dist/cli.js'))) usage('dist/ is missing: run npm run build first');
const seed = args.seed !== undefined ? Number(args.seed) : Date.now() % 2 ** 31;

function usage(why) {
  process.stderr.write(`soak: ${why}\nusage: npm run soak -- [--minutes M | --seconds S] [--seed N] [--json] [--keep]\n`);
  process.exit(2);
}

// ---- randomness (seeded: the fault schedule is reproducible, its timing is not) -----------

let rs = seed >>> 0 || 1;
function rand() {
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const between = (lo, hi) => lo + rand() * (hi - lo);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves with `p`, or with `fallback` after `ms` (the work itself goes on). */
function deadline(p, ms, fallback) {
  let t;
  return Promise.race([p, new Promise((r) => (t = setTimeout(() => r(fallback), ms)))]).finally(() => clearTimeout(t));
}

// ---- the project ------------------------------------------------------------------------

const node = (file, ...a) => ['node', file, ...a.map(String)];
const SERVICES = {
  // Pinned: clients never stop them; they must always be running or in back-off.
  steady: { argv: node(join(FIX, 'forever.mjs')), extra: 'restart = "always"' },
  numbered: { argv: node(join(ROOT, 'test/reliability/fixtures/numbered.mjs'), 20, 20), extra: 'restart = "always"\nlog = { max_size = "1MB", keep = 1000 }' },
  // Churned by the clients.
  crashy: { argv: node(join(FIX, 'crash-after.mjs'), 150, 1), extra: '' },
  flappy: { argv: node(join(FIX, 'crash-after.mjs'), 300, 0), extra: 'restart = "always"' },
  doublefork: { argv: node(join(FIX, 'double-fork.mjs'), 'idle'), extra: 'restart = "always"' },
  stubborn: { argv: node(join(FIX, 'ignores-sigterm.mjs')), extra: 'restart = "always"\nstop = { timeout = "300ms" }' },
  chatty: { argv: node(join(FIX, 'chatty.mjs'), 20000, 100, 0, 'idle'), extra: 'restart = "always"\nlog = { max_size = "1MB", keep = 2 }' },
};
const PINNED = ['steady', 'numbered'];
const CHURN = Object.keys(SERVICES).filter((s) => !PINNED.includes(s));
const UP = new Set(['running', 'starting', 'backoff']);

function config(gen) {
  return Object.entries(SERVICES)
    .map(([name, s]) => `[services.${name}]\ncommand = ${JSON.stringify(s.argv)}\n${s.extra}\nbackoff = { initial = "20ms", max = "200ms" }\nstart_limit = { burst = 1000000 }\n${name === 'flappy' ? `env = { SOAK_GEN = "${gen}" }\n` : ''}`)
    .join('\n');
}

const mark = process.env.KELPIE_TEST_MARK || randomUUID();
const dir = mkdtempSync(join(tmpdir(), 'kelpie-soak-'));
const home = join(dir, '.kelpie');
let gen = 0;
function writeConfig() {
  const tmp = join(dir, `.kelpie.toml.${gen}`);
  writeFileSync(tmp, config(gen++));
  renameSync(tmp, join(dir, 'kelpie.toml'));
}
writeConfig();
const client = new Client(home);
const env = { ...process.env, NO_COLOR: '1', KELPIE_TEST_MARK: mark };

function cli(argv, ms = 60_000) {
  return new Promise((resolveRun) => {
    const c = spawn(process.execPath, [BIN, ...argv], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => c.kill('SIGKILL'), ms);
    c.on('close', (code) => {
      clearTimeout(t);
      resolveRun({ code, out });
    });
  });
}

// ---- /proc --------------------------------------------------------------------------------

/** Every live process carrying our mark: pid, start time, KELPIE_SERVICE, group leader?, argv. */
function markedProcesses() {
  const out = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n) || Number(n) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${n}/environ`, 'latin1');
      if (!environ.includes(`KELPIE_TEST_MARK=${mark}`)) continue;
      const st = readStat(Number(n));
      // Our own children (CLI runs, tsx's esbuild) carry the mark too when we were given one.
      if (!st || st.state === 'Z' || st.ppid === process.pid) continue;
      const service = /(?:^|\0)KELPIE_SERVICE=([^\0]*)/.exec(environ)?.[1] ?? null;
      const argv = readFileSync(`/proc/${n}/cmdline`, 'latin1').split('\0').filter(Boolean);
      out.push({ pid: st.pid, ppid: st.ppid, startTime: st.startTime, state: st.state, leader: st.pgrp === st.pid, service, argv });
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * The main process of each service: a child of the keeper leading its own process group and
 * running exactly the service's command. (A child the service forks with setsid is a group
 * leader too, and runs the same command until it execs: its parent is not the keeper.)
 */
function serviceLeaders(procs = markedProcesses()) {
  const by = new Map();
  for (const p of procs) {
    const s = p.service && SERVICES[p.service];
    if (!s || !p.leader || p.ppid !== keeper || p.argv.join('\0') !== s.argv.join('\0')) continue;
    by.set(p.service, [...(by.get(p.service) ?? []), p]);
  }
  return by;
}

/** The keeper's journal of its process table, for one service (for a violation's report). */
function journal(svc) {
  try {
    return JSON.stringify(JSON.parse(readFileSync(join(home, 'keeper.json'), 'utf8')).processes.filter((p) => p.service === svc).map((p) => p.pid));
  } catch {
    return '?';
  }
}

function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function controllerPid(keeper) {
  for (const c of children(keeper)) {
    try {
      const cmd = readFileSync(`/proc/${c}/cmdline`, 'latin1');
      if (cmd.startsWith('kelpie-controller') || cmd.includes('controller.js')) return c;
    } catch {
      // gone
    }
  }
  return null;
}

/** Sends `sig` to `pid` only if it is still the process we saw (same start time). */
function signal(p, sig) {
  if (readStat(p.pid)?.startTime !== p.startTime) return false;
  try {
    process.kill(p.pid, sig);
    return true;
  } catch {
    return false;
  }
}

// ---- bookkeeping --------------------------------------------------------------------------

const faults = {};
const requests = {};
const checks = {};
const violations = [];
const notes = { statusUnavailable: 0 };
const fault = (k) => (faults[k] = (faults[k] ?? 0) + 1);
const request = (k) => (requests[k] = (requests[k] ?? 0) + 1);
const passed = (k) => (checks[k] = (checks[k] ?? 0) + 1);
function violation(kind, detail) {
  violations.push({ kind, detail, at: +((Date.now() - t0) / 1000).toFixed(1) });
  if (!args.json) process.stderr.write(`soak: VIOLATION ${kind}: ${detail}\n`);
}
const say = (s) => args.json || process.stderr.write(`soak: ${s}\n`);

// ---- the run ------------------------------------------------------------------------------

const t0 = Date.now();
let keeper = 0;
let paused = false;
let finished = false;
const stopped = new Map(); // pid → process stopped with SIGSTOP, to SIGCONT
let stateSeen = false;
const zombieSince = new Map();

async function main() {
  say(`seed ${seed}, ${seconds} s, project ${dir}`);
  const up = await cli(['up', '-d']);
  if (up.code !== 0) {
    violation('up', `kelpie up -d exited ${up.code}: ${up.out.trim()}`);
    return;
  }
  keeper = (await client.status()).daemon.keeper_pid;
  const end = t0 + seconds * 1000;
  const every = Math.min(10_000, Math.max(5000, (seconds * 1000) / 3));
  const workers = [chaos(), checker(), statusWatch(), ...[1, 2, 3].map(() => clientLoop())];
  let nextCheckpoint = Date.now() + every;
  while (Date.now() < end && !finished) {
    await sleep(Math.min(200, Math.max(0, end - Date.now())));
    if (Date.now() >= nextCheckpoint && end - Date.now() > 2000) {
      await checkpoint();
      nextCheckpoint = Date.now() + every;
    }
  }
  await checkpoint();
  finished = true;
  await Promise.all(workers);
  await downAndSweep();
  checkNumbered();
}

/** Injects a random fault every 50–250 ms. */
async function chaos() {
  while (!finished) {
    await sleep(between(50, 250));
    if (paused || finished) continue;
    const r = rand();
    if (r < 0.12) {
      const c = controllerPid(keeper);
      const st = c && readStat(c);
      if (!st) continue;
      if (r < 0.07) {
        if (signal({ pid: c, startTime: st.startTime }, 'SIGKILL')) fault('controller SIGKILL');
      } else if (signal({ pid: c, startTime: st.startTime }, 'SIGSTOP')) {
        fault('controller SIGSTOP/SIGCONT');
        hold({ pid: c, startTime: st.startTime }, between(100, 800));
      }
      continue;
    }
    const leaders = [...serviceLeaders().values()].flat();
    if (leaders.length === 0) continue;
    const victim = pick(leaders);
    if (r < 0.6) {
      if (signal(victim, 'SIGKILL')) fault('service SIGKILL');
    } else if (signal(victim, 'SIGSTOP')) {
      fault('service SIGSTOP/SIGCONT');
      hold(victim, between(100, 1000));
    }
  }
}

function hold(p, ms) {
  stopped.set(p.pid, p);
  setTimeout(() => {
    if (stopped.delete(p.pid)) signal(p, 'SIGCONT');
  }, ms);
}

function resumeAll() {
  for (const p of stopped.values()) signal(p, 'SIGCONT');
  stopped.clear();
}

/** One of three concurrent clients: start/stop/restart/reload on the churned services. */
async function clientLoop() {
  while (!finished) {
    await sleep(between(0, 200));
    if (paused || finished) continue;
    const action = rand() < 0.08 ? 'reload' : pick(['start', 'stop', 'restart']);
    const names = CHURN.filter(() => rand() < 0.4);
    if (names.length === 0) names.push(pick(CHURN));
    if (action === 'reload') writeConfig();
    // The client retries while the controller restarts: its request may reach the next one.
    const work = action === 'reload' ? client.reload(false).then(() => 'ok') : client.act(action, names, { wait: true, timeoutMs: 3000 }).then((os) => (os.every((o) => o.ok) ? 'ok' : 'not ok'));
    const settled = work.catch((e) => e.code ?? 'error');
    // A reload changes flappy's env: it restarts flappy.
    inflight.set(settled, { what: `${action} ${action === 'reload' ? '(restarts flappy)' : names.join(',')} sent at ${((Date.now() - t0) / 1000).toFixed(1)} s`, services: action === 'reload' ? ['flappy'] : names });
    void settled.finally(() => inflight.delete(settled));
    const r = await deadline(settled, 8000, 'no answer in 8 s');
    request(action);
    request(`→ ${r}`);
  }
}
/** Client requests not settled yet (a checkpoint waits for them: nothing may arrive after it). */
const inflight = new Map();

/** Every 100 ms: one process per service, no lingering zombie, a state file that decodes. */
async function checker() {
  while (!finished) {
    await sleep(100);
    for (const [svc, ps] of serviceLeaders()) {
      if (ps.length > 1) violation('service ran twice at once', `${svc}: ${ps.map((p) => `pid ${p.pid} (parent ${p.ppid})`).join(', ')}; keeper table: ${journal(svc)}`);
    }
    passed('one process per service');
    const now = Date.now();
    const seen = new Set();
    for (const c of children(keeper)) {
      const st = readStat(c);
      if (st?.state !== 'Z') continue;
      const key = `${c}:${st.startTime}`;
      seen.add(key);
      if (!zombieSince.has(key)) zombieSince.set(key, now);
      else if (now - zombieSince.get(key) > 2000 && zombieSince.get(key) > 0) {
        violation('zombie', `child ${c} of the keeper is a zombie for more than 2 s`);
        zombieSince.set(key, -1);
      }
    }
    for (const k of zombieSince.keys()) if (!seen.has(k)) zombieSince.delete(k);
    passed('no lingering zombie');
    let text = null;
    try {
      text = readFileSync(join(home, 'state.json'), 'utf8');
    } catch (err) {
      if (stateSeen) violation('state file', `state.json unreadable: ${err.code}`);
    }
    if (text !== null) {
      stateSeen = true;
      try {
        decodeState(text);
        passed('state file decodes');
      } catch (err) {
        violation('state file', `state.json does not decode: ${err.message} (${text.length} bytes)`);
      }
    }
  }
}

/** Every 500 ms, when the controller answers: the pinned services are up or backing off. */
async function statusWatch() {
  while (!finished) {
    await sleep(500);
    if (paused) continue;
    const st = await deadline(client.status().catch(() => null), 1000, null);
    if (!st) {
      notes.statusUnavailable++;
      continue;
    }
    for (const name of PINNED) {
      const s = st.services.find((x) => x.name === name);
      if (!s || !UP.has(s.state)) violation('pinned service down', `${name} is ${s?.state}: ${s?.reason}`);
    }
    passed('pinned services up');
  }
}

/**
 * Pauses the chaos, resumes stopped processes, asks for a random up/down set and checks that
 * what is meant to be up is running or backing off, and what is meant to be down has no process.
 */
async function checkpoint() {
  paused = true;
  const t = Date.now();
  resumeAll();
  if (!(await waitFor(() => inflight.size === 0, 20_000))) {
    const reqs = [...inflight.values()];
    violation('checkpoint', `client request(s) unanswered after 20 s: ${reqs.map((r) => r.what).join('; ')}\n      recent events: ${await recentEvents(reqs.flatMap((r) => r.services))}`);
  }
  resumeAll();
  const answering = await waitFor(async () => (await deadline(client.status().catch(() => null), 1000, null)) !== null, 15_000);
  if (!answering) {
    violation('checkpoint', 'the controller did not answer within 15 s');
    paused = false;
    return;
  }
  const ups = CHURN.filter(() => rand() < 0.6);
  const downs = CHURN.filter((s) => !ups.includes(s));
  const asked = await Promise.all([
    ups.length ? client.act('start', ups, { wait: true, timeoutMs: 10_000 }).catch((e) => e) : null,
    downs.length ? client.act('stop', downs, { wait: true, timeoutMs: 10_000 }).catch((e) => e) : null,
  ]);
  for (const a of asked) if (a instanceof Error) violation('checkpoint', `start/stop failed: ${a.message}`);
  let problems = [];
  const ok = await waitFor(async () => {
    const st = await deadline(client.status().catch(() => null), 2000, null);
    if (!st) return false;
    const leaders = serviceLeaders();
    problems = [];
    for (const s of st.services) {
      const live = leaders.get(s.name) ?? [];
      if ([...ups, ...PINNED].includes(s.name)) {
        if (!UP.has(s.state)) problems.push(`${s.name} meant to be up is ${s.state} (${s.reason})`);
        if (s.state === 'running' && !live.some((p) => p.pid === s.pid)) problems.push(`${s.name} is running as ${s.pid}, which is not alive`);
      } else if (downs.includes(s.name)) {
        if (s.state !== 'stopped') problems.push(`${s.name} meant to be down is ${s.state}`);
        if (live.length) problems.push(`${s.name} meant to be down has process ${live.map((p) => p.pid).join(', ')}`);
      }
    }
    return problems.length === 0;
  }, 10_000);
  if (ok) passed('checkpoint: meant-up running or in back-off, meant-down without process');
  else violation('checkpoint', `${problems.join('; ')}\n      recent events: ${await recentEvents(problems.map((x) => x.split(' ')[0]))}`);
  say(`checkpoint at ${((Date.now() - t0) / 1000).toFixed(1)} s (${Date.now() - t} ms): up ${ups.join(',') || '-'}, down ${downs.join(',') || '-'}: ${ok ? 'ok' : 'VIOLATION'}`);
  paused = false;
}

function tail(file, n) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-n).join(' | ');
  } catch {
    return '?';
  }
}

/** The controller's last events for `names` (for a violation's report). */
async function recentEvents(names) {
  const evs = [];
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  await client.events((e) => evs.push(e), ac.signal).catch(() => {});
  return evs
    .filter((e) => names.includes(e.service) || e.service === null)
    .slice(-15)
    .map((e) => `${e.at.slice(11, 23)} ${e.service ?? '-'} ${e.type}${e.state ? ` ${e.state}` : ''}${e.message ? ` (${e.message})` : ''}`)
    .join(' | ');
}

async function waitFor(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await sleep(50);
  }
  return false;
}

/** `kelpie down`, then nothing with our mark may be alive; whatever is, is killed by PID. */
async function downAndSweep() {
  resumeAll();
  const r = await cli(['down']);
  if (r.code !== 0) {
    const st = await deadline(client.status().catch((e) => e.message), 2000, 'no answer');
    const states = typeof st === 'object' ? st.services.map((x) => `${x.name} ${x.state}`).join(', ') : st;
    violation('down', `kelpie down exited ${r.code ?? 'not within 60 s'}: ${r.out.trim()}; status now: ${states}; kelpie.log ends: ${tail(join(home, 'kelpie.log'), 6)}; events: ${await recentEvents(Object.keys(SERVICES))}`);
  }
  let left = [];
  await waitFor(() => (left = markedProcesses()).length === 0, 5000);
  if (left.length) violation('alive after down', left.map((p) => `${p.pid} ${p.service ?? ''} ${p.argv.join(' ')}`).join('; '));
  else passed('nothing alive after down');
  sweep();
}

function sweep() {
  for (const p of markedProcesses()) signal(p, 'SIGKILL');
}

/** Every run of numbered (one PID) logged 1, 2, 3, … without a gap or a repeat. */
function checkNumbered() {
  const logs = join(home, 'logs');
  const rotated = readdirSync(logs)
    .map((f) => /^numbered\.log\.(\d+)$/.exec(f)?.[1])
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => b - a);
  const files = [...rotated.map((i) => `numbered.log.${i}`), 'numbered.log'];
  const truncatedHistory = rotated[0] === 1000; // the oldest file may have been deleted
  const runs = new Map();
  let lines = 0;
  const bad = [];
  for (const f of files) {
    for (const line of readFileSync(join(logs, f), 'utf8').split('\n')) {
      if (!line) continue;
      const m = / out n (\d+) (\d+)  \.$/.exec(line);
      const e = / out end (\d+) (\d+)$/.exec(line);
      if (m) {
        lines++;
        const [pid, seq] = [Number(m[1]), Number(m[2])];
        const r = runs.get(pid) ?? { first: seq, last: seq - 1, end: null };
        if (seq === r.last) bad.push(`pid ${pid}: line ${seq} duplicated`);
        else if (seq <= r.last) bad.push(`pid ${pid}: line ${seq} after ${r.last} (duplicate)`);
        else if (seq !== r.last + 1) bad.push(`pid ${pid}: lines ${r.last + 1}..${seq - 1} lost`);
        r.last = Math.max(r.last, seq);
        runs.set(pid, r);
      } else if (e) {
        const r = runs.get(Number(e[1]));
        if (r) r.end = Number(e[2]);
      } else if (!/ (out|err) /.test(line) || / out n /.test(line)) {
        bad.push(`torn or foreign line: ${JSON.stringify(line.slice(0, 80))}`);
      }
    }
  }
  for (const [pid, r] of runs) {
    if (r.first !== 1 && !(truncatedHistory && pid === runs.keys().next().value)) bad.push(`pid ${pid}: starts at line ${r.first}`);
    if (r.end !== null && r.end !== r.last) bad.push(`pid ${pid}: wrote ${r.end} lines, ${r.last} logged`);
  }
  if (bad.length) violation('numbered lines', `${bad.length} problem(s): ${bad.slice(0, 5).join('; ')}`);
  else passed('numbered lines: none lost or duplicated');
  numbered = { lines, runs: runs.size, files: files.length };
}
let numbered = { lines: 0, runs: 0, files: 0 };

async function stopEarly(sig) {
  if (finished) process.exit(130);
  say(`${sig}: stopping the soak`);
  finished = true;
  resumeAll();
  await cli(['down'], 30_000);
  sweep();
  rmSync(dir, { recursive: true, force: true });
  process.exit(130);
}
process.on('SIGINT', () => void stopEarly('SIGINT'));
process.on('SIGTERM', () => void stopEarly('SIGTERM'));

try {
  await main();
} catch (err) {
  violation('soak', `the soak itself failed: ${err.stack ?? err}`);
  finished = true;
  resumeAll();
  await cli(['down'], 30_000);
  sweep();
}

const summary = {
  seed,
  seconds: +((Date.now() - t0) / 1000).toFixed(1),
  faults,
  faultsTotal: Object.values(faults).reduce((a, b) => a + b, 0),
  requests,
  requestsTotal: ['start', 'stop', 'restart', 'reload'].reduce((a, k) => a + (requests[k] ?? 0), 0),
  checks,
  checksTotal: Object.values(checks).reduce((a, b) => a + b, 0),
  numbered,
  notes,
  violations,
};
if (!args.keep) rmSync(dir, { recursive: true, force: true });
if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  const list = (o) => Object.entries(o).map(([k, v]) => `    ${k}: ${v}`).join('\n');
  process.stdout.write(
    `kelpie soak: ${summary.seconds} s, seed ${seed}${args.keep ? `, project kept in ${dir}` : ''}\n` +
      `  faults injected: ${summary.faultsTotal}\n${list(faults)}\n` +
      `  client requests: ${summary.requestsTotal}\n${list(requests)}\n` +
      `  invariant checks passed: ${summary.checksTotal}\n${list(checks)}\n` +
      `  numbered lines: ${numbered.lines} lines from ${numbered.runs} runs in ${numbered.files} file(s)\n` +
      `  status polls unanswered (controller killed or stopped): ${notes.statusUnavailable}\n` +
      `  violations: ${violations.length}\n${violations.map((v) => `    [${v.at} s] ${v.kind}: ${v.detail}`).join('\n')}\n`,
  );
}
process.exit(violations.length ? 1 : 0);
