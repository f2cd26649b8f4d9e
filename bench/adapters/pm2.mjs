// pm2: installed by bench/setup.sh into a scratch prefix (never this project's node_modules),
// with PM2_HOME inside the run's directory so no command ever touches ~/.pm2. Apps are
// declared in a JSON ecosystem file; state comes from pm2's programmatic API (connected to
// the daemon the CLI started), crash→respawn from its event bus ('online' after the kill).
// Stop all is `pm2 kill` (stops every app, then the daemon).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run, runOk } from '../lib/exec.mjs';
import { until } from '../lib/proc.mjs';

export default function pm2(ctx) {
  const prefix = join(ctx.scratch, 'pm2');
  const bin = join(prefix, 'node_modules', '.bin', 'pm2');
  let dir;
  let home;
  let n = 0;
  let api = null;
  let bus = null;
  let logDir;
  const waiters = new Set();
  const env = () => ({ ...ctx.env, PM2_HOME: home, PM2_DISCRETE_MODE: 'true' });
  const cli = (args, opts = {}) => run(bin, args, { cwd: dir, env: env(), ...opts });
  const call = (method, ...args) => new Promise((res, rej) => api[method](...args, (e, v) => (e ? rej(e) : res(v))));
  const connect = async () => {
    if (api) return;
    // The module reads PM2_HOME when first loaded: give it ours, never ~/.pm2.
    const saved = process.env.PM2_HOME;
    process.env.PM2_HOME = home;
    const PM2 = createRequire(join(prefix, 'package.json'))('pm2');
    if (saved === undefined) delete process.env.PM2_HOME;
    else process.env.PM2_HOME = saved;
    // Only after the CLI started the daemon: connect() would otherwise launch one itself.
    if (!existsSync(join(home, 'pm2.pid'))) throw new Error('pm2 daemon not started');
    const c = new PM2.custom({ pm2_home: home, cwd: dir });
    await new Promise((res, rej) => c.connect((e) => (e ? rej(e) : res())));
    api = c;
  };
  const list = async () => {
    await connect();
    return call('list');
  };
  const godPid = () => {
    try {
      return Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim()) || null;
    } catch {
      return null;
    }
  };
  const init = (d) => {
    dir = d;
    home = join(d, 'pm2home');
    api = null;
    bus = null;
  };

  return {
    name: 'pm2',
    timestamps: true,
    async installed() {
      return existsSync(bin) ? null : 'not installed (run bench/setup.sh)';
    },
    async version() {
      try {
        return `pm2 ${JSON.parse(readFileSync(join(prefix, 'node_modules', 'pm2', 'package.json'), 'utf8')).version}`;
      } catch {
        return 'pm2';
      }
    },

    async setup(count, d) {
      init(d);
      n = count;
      // Zero restart delay (restart_delay 0, no exponential backoff); max_restarts lifted.
      const apps = Array.from({ length: n }, (_, i) => ({
        name: `s${i}`,
        script: 'sleep',
        args: ['1000000'],
        interpreter: 'none',
        autorestart: true,
        restart_delay: 0,
        max_restarts: 1000000,
      }));
      writeFileSync(join(d, 'ecosystem.json'), JSON.stringify({ apps }));
    },

    async setupLog(d, writer) {
      init(d);
      n = 1;
      logDir = join(d, 'log');
      mkdirSync(logDir);
      // --time (timestamps). pm2 has no size rotation of its own (pm2-logrotate is a module
      // that checks every 30 s), so the log is one file.
      const app = {
        name: 'writer',
        script: '/bin/sh',
        args: [writer.script],
        interpreter: 'none',
        autorestart: false,
        time: true,
        merge_logs: true,
        out_file: join(logDir, 'writer-out.log'),
        error_file: join(logDir, 'writer-err.log'),
      };
      writeFileSync(join(d, 'ecosystem.json'), JSON.stringify({ apps: [app] }));
    },
    logCurrent: () => join(logDir, 'writer-out.log'),
    logFiles: () => [join(logDir, 'writer-out.log'), join(logDir, 'writer-err.log')],
    linePrefix: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: /,

    async start() {
      await runOk(bin, ['start', join(dir, 'ecosystem.json')], { cwd: dir, env: env(), timeoutMs: 600_000 });
    },
    async waitAllRunning(timeoutMs) {
      await until(
        async () => {
          const l = await list().catch(() => null);
          return l && l.length === n && l.every((p) => p.pm2_env.status === 'online' && p.pid);
        },
        { timeoutMs, everyMs: 20, what: `all ${n} pm2 apps online` },
      );
    },
    async pidOf(i) {
      const d = await call('describe', `s${i}`);
      return d[0]?.pid || null;
    },
    async servicePids() {
      return (await list()).map((p) => p.pid).filter(Boolean);
    },
    roots: () => [godPid()].filter(Boolean),
    statusOne: () => cli(['describe', 's0']),

    async beginCrashes() {
      await connect();
      bus = await new Promise((res, rej) => api.launchBus((e, b) => (e ? rej(e) : res(b))));
      bus.on('process:event', (d) => {
        for (const w of waiters) w(d);
      });
    },
    respawnWaiter(i) {
      const name = `s${i}`;
      let w;
      const promise = new Promise((resolve) => {
        w = (d) => {
          if (d.event === 'online' && d.process?.name === name) {
            waiters.delete(w);
            resolve(performance.now());
          }
        };
        waiters.add(w);
      });
      return { promise, cancel: () => waiters.delete(w) };
    },
    async afterRespawn(i, oldPid) {
      await until(async () => {
        const p = await this.pidOf(i);
        return p && p !== oldPid;
      }, { timeoutMs: 10_000, everyMs: 20, what: `pm2 to report a new pid for s${i}` });
    },
    async endCrashes() {},

    async stopAll() {
      await this.teardown();
      await runOk(bin, ['kill'], { cwd: dir, env: env(), timeoutMs: 600_000 });
    },
    async teardown() {
      if (api) {
        try {
          api.disconnectBus?.();
          api.disconnect();
        } catch {
          // already gone
        }
      }
      api = null;
      bus = null;
    },
  };
}
