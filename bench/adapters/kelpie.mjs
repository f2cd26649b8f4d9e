// kelpie: `kelpie up -d` on a generated kelpie.toml; the API on .kelpie/kelpie.sock tells
// state and PIDs; crash→respawn is observed on the SSE event stream /v1/events.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../lib/exec.mjs';
import { alive, signalPid, sleep, until } from '../lib/proc.mjs';
import { kelpieCall, sseUnix } from '../lib/unix-http.mjs';

export default function kelpie(ctx) {
  // ctx.kelpieRoot (--kelpie=DIR): another checkout's build, e.g. one with a candidate fix
  const KROOT = ctx.kelpieRoot ?? ctx.root;
  const BIN = join(KROOT, 'bin/kelpie');
  let dir;
  let home;
  let sock;
  let n = 0;
  let events = null;
  const waiters = new Set();
  // Run as a person runs it: the program bin/kelpie (its shebang), not `node bin/kelpie`.
  const cli = (args, opts = {}) => run(BIN, args, { cwd: dir, env: { ...ctx.env, NO_COLOR: '1' }, ...opts });
  const status = () => kelpieCall(sock, 'GET', '/v1/status');
  const keeperPid = () => {
    try {
      return Number(readFileSync(join(home, 'keeper.pid'), 'utf8').split(' ')[0]) || null;
    } catch {
      return null;
    }
  };
  const init = (d) => {
    dir = d;
    home = join(d, '.kelpie');
    sock = join(home, 'kelpie.sock');
  };

  return {
    name: 'kelpie',
    timestamps: true,
    async installed() {
      return existsSync(join(KROOT, 'dist/cli.js')) ? null : `not built (run npm run build${KROOT !== ctx.root ? ` in ${KROOT}` : ''})`;
    },
    async version() {
      return (await cli(['--version'], { cwd: KROOT })).stdout.trim();
    },

    /**
     * Services s0 … s(count-1) running `sleep`. With { ready: 'fd' } each declares
     * `ready = { fd = 3 }` and runs what s6's run scripts do: `echo >&3`, close it, exec sleep
     * (opts.readyTimeout: its ready_timeout).
     */
    async setup(count, d, opts = {}) {
      init(d);
      n = count;
      // Zero restart delay (backoff.initial = "0s": respawn at the next turn of the event loop).
      // start_limit is lifted so the crash test never trips "respawning too fast".
      const timeout = opts.readyTimeout ? `\nready_timeout = "${opts.readyTimeout}"` : '';
      const cmd =
        opts.ready === 'fd'
          ? `command = ["/bin/sh", "-c", "echo >&3; exec 3>&-; exec sleep 1000000"]\nready = { fd = 3 }${timeout}`
          : opts.ready === 'notify'
            ? `command = ["/bin/sh", "-c", "systemd-notify --ready; exec sleep 1000000"]\nready = { notify = true }${timeout}`
            : 'command = ["sleep", "1000000"]';
      let toml = '';
      for (let i = 0; i < n; i++) {
        toml += `[services.s${i}]\n${cmd}\nrestart = "always"\nbackoff = { initial = "0s", max = "1ms" }\nstart_limit = { burst = 1000000, interval = "1s" }\n\n`;
      }
      writeFileSync(join(d, 'kelpie.toml'), toml);
    },

    /** A project of `count` services from the caller's own kelpie.toml text. */
    setupToml(d, toml, count) {
      init(d);
      n = count;
      writeFileSync(join(d, 'kelpie.toml'), toml);
    },
    get home() {
      return home;
    },
    /** One API call (the envelope's result). */
    api: (method, path, body) => kelpieCall(sock, method, path, body),
    /** Resolves once the API socket accepts a connection (polled every `everyMs`). */
    async waitApi(timeoutMs = 60_000, everyMs = 2) {
      await until(() => existsSync(sock) && status().then(() => true, () => false), { timeoutMs, everyMs, what: 'the kelpie API' });
    },
    /** SSE /v1/events from `after` (default: only new events); on(event, stamp()). */
    events: (on, { after = Number.MAX_SAFE_INTEGER, stamp } = {}) => sseUnix(sock, `/v1/events?after=${after}`, on, stamp),
    /** `kelpie up -d` without waiting for it: { done } resolves with its run() result. */
    startNoWait() {
      return { done: cli(['up', '-d'], { timeoutMs: 900_000 }) };
    },

    async setupLog(d, writer, maxBytes) {
      init(d);
      n = 1;
      writeFileSync(
        join(d, 'kelpie.toml'),
        `[services.writer]\ncommand = ["/bin/sh", ${JSON.stringify(writer.script)}]\nrestart = "never"\nlog = { max_size = ${maxBytes}, keep = 1000 }\n`,
      );
    },
    logCurrent: () => join(home, 'logs', 'writer.log'),
    logFiles() {
      const files = [join(home, 'logs', 'writer.log')];
      for (let k = 1; existsSync(join(home, 'logs', `writer.log.${k}`)); k++) files.push(join(home, 'logs', `writer.log.${k}`));
      return files.reverse();
    },
    linePrefix: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z out /,

    async start() {
      const r = await cli(['up', '-d'], { timeoutMs: 600_000 });
      if (r.code !== 0) {
        // stderr carries the progress lines; the verdicts are on stdout
        const failed = r.stdout.split('\n').filter((l) => l.includes('FAILED'));
        throw new Error(`kelpie up -d exited ${r.code}: ${failed.length ? `${failed.length} failed: ${failed.slice(0, 3).join(' / ').trim()}` : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
      }
    },
    async waitAllRunning(timeoutMs) {
      await until(
        async () => {
          const s = await status().catch(() => null);
          // services with autostart = false (a workload's trial service) are not waited for
          const auto = s?.services.filter((x) => x.autostart !== false);
          return auto && auto.length === n && auto.every((x) => x.state === 'running' && x.pid);
        },
        { timeoutMs, everyMs: 10, what: `all ${n} kelpie services running` },
      );
    },
    async pidOf(i) {
      return (await status()).services.find((s) => s.name === `s${i}`)?.pid ?? null;
    },
    async servicePids() {
      return (await status()).services.map((s) => s.pid).filter(Boolean);
    },
    roots: () => [keeperPid()].filter(Boolean),
    statusOne: () => cli(['status', 's0']),

    // crash→respawn: one SSE subscription for the whole crash phase.
    async beginCrashes() {
      events = await sseUnix(sock, `/v1/events?after=${Number.MAX_SAFE_INTEGER}`, (e) => {
        for (const w of waiters) w(e);
      });
    },
    respawnWaiter(i, oldPid) {
      const name = `s${i}`;
      let w;
      const promise = new Promise((resolve) => {
        w = (e) => {
          if (e.service === name && e.pid && e.pid !== oldPid) {
            waiters.delete(w);
            resolve(performance.now());
          }
        };
        waiters.add(w);
      });
      return { promise, cancel: () => waiters.delete(w) };
    },
    async endCrashes() {
      events?.close();
      events = null;
    },

    /** kill -9 the controller; time until a new controller answers; services kept? */
    async controllerTakeover() {
      const before = await status();
      const pids = new Map(before.services.map((s) => [s.name, s.pid]));
      const old = before.daemon.controller_pid;
      const t0 = performance.now();
      signalPid(old, 'SIGKILL');
      let after;
      for (;;) {
        after = await status().catch(() => null);
        if (after && after.daemon.controller_pid !== old) break;
        if (performance.now() - t0 > 30_000) throw new Error('no new controller within 30 s');
        await sleep(2);
      }
      const ms = performance.now() - t0;
      // the new controller reconciles with the keeper's table: every service same PID
      const kept = after.services.filter((s) => s.pid && s.pid === pids.get(s.name) && alive(s.pid)).length;
      return { ms, kept, total: pids.size };
    },

    async stopAll() {
      const r = await cli(['down'], { timeoutMs: 600_000 });
      if (r.code !== 0) throw new Error(`kelpie down exited ${r.code}: ${r.stderr || r.stdout}`);
    },
    async teardown() {
      await events?.close();
    },
  };
}
