// supervisord: `supervisord -n` (foreground, so its PID is ours to wait on) with a generated
// config and its XML-RPC interface on a Unix socket. Crash→respawn is read from /proc (a new
// child of supervisord): polling supervisord's own API would wake its 1 s poll loop and make
// it respawn faster than it does unobserved. Stop all is SIGTERM (supervisord stops every
// program, then exits).
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemon, run, which } from '../lib/exec.mjs';
import { pollWaiter, signalPid, until } from '../lib/proc.mjs';
import { xmlRpc, xmlStructs } from '../lib/unix-http.mjs';

const children = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

export default function supervisord(ctx) {
  let dir;
  let conf;
  let sock;
  let n = 0;
  let sup = null;
  let logDir;
  const header = (d) => `[unix_http_server]
file=${join(d, 'supervisor.sock')}

[supervisord]
logfile=${join(d, 'supervisord.log')}
pidfile=${join(d, 'supervisord.pid')}
childlogdir=${join(d, 'childlogs')}
nodaemon=true
minfds=${Math.max(1024, 4 * n + 64)}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${join(d, 'supervisor.sock')}
`;
  const init = (d) => {
    dir = d;
    conf = join(d, 'supervisord.conf');
    sock = join(d, 'supervisor.sock');
    mkdirSync(join(d, 'childlogs'));
  };
  const all = async () => xmlStructs(await xmlRpc(sock, 'supervisor.getAllProcessInfo'));

  return {
    name: 'supervisord',
    timestamps: false,
    async installed() {
      return (await which('supervisord')) && (await which('supervisorctl')) ? null : 'not installed';
    },
    async version() {
      const r = await run('supervisord', ['--version']).catch(() => null);
      return r?.code === 0 ? `supervisord ${r.stdout.trim()}` : 'supervisord';
    },

    async setup(count, d) {
      n = count;
      init(d);
      let text = header(d);
      // Zero restart delay: autorestart immediately; startsecs=0 (RUNNING at once, no backoff).
      for (let i = 0; i < n; i++) {
        text += `\n[program:s${i}]\ncommand=sleep 1000000\nautostart=true\nautorestart=true\nstartsecs=0\nstartretries=1000000\n`;
      }
      writeFileSync(conf, text);
    },

    async setupLog(d, writer, maxBytes) {
      n = 1;
      init(d);
      logDir = join(d, 'log');
      mkdirSync(logDir);
      writeFileSync(
        conf,
        `${header(d)}
[program:writer]
command=/bin/sh ${writer.script}
autostart=true
autorestart=false
startsecs=0
redirect_stderr=true
stdout_logfile=${join(logDir, 'writer.log')}
stdout_logfile_maxbytes=${maxBytes}
stdout_logfile_backups=1000
`,
      );
    },
    logCurrent: () => join(logDir, 'writer.log'),
    logFiles() {
      const files = [join(logDir, 'writer.log')];
      for (let k = 1; existsSync(join(logDir, `writer.log.${k}`)); k++) files.push(join(logDir, `writer.log.${k}`));
      return files.reverse();
    },
    linePrefix: null,

    async start() {
      sup = daemon('supervisord', ['-n', '-c', conf], { cwd: dir, env: ctx.env, logFd: openSync(join(dir, 'supervisord.out'), 'a') });
    },
    async waitAllRunning(timeoutMs) {
      await until(
        async () => {
          const ps = await all().catch(() => null);
          return ps && ps.length === n && ps.every((p) => p.statename === 'RUNNING' && p.pid);
        },
        { timeoutMs, everyMs: 20, what: `all ${n} supervisord programs RUNNING` },
      );
    },
    async pidOf(i) {
      const p = xmlStructs(await xmlRpc(sock, 'supervisor.getProcessInfo', [`s${i}`]))[0];
      return p?.pid || null;
    },
    async servicePids() {
      return (await all()).map((p) => p.pid).filter(Boolean);
    },
    roots: () => (sup ? [sup.pid] : []),
    statusOne: () => run('supervisorctl', ['-c', conf, 'status', 's0'], { env: ctx.env }),

    respawnWaiter(_i, oldPid) {
      const before = new Set(children(sup.pid));
      before.add(oldPid);
      return pollWaiter(() => children(sup.pid).some((p) => !before.has(p)));
    },
    async afterRespawn(i, oldPid) {
      // untimed: supervisord's own view must show the new PID too
      await until(async () => {
        const p = await this.pidOf(i);
        return p && p !== oldPid;
      }, { timeoutMs: 10_000, everyMs: 20, what: `supervisord to report a new pid for s${i}` });
    },

    async stopAll() {
      signalPid(sup.pid, 'SIGTERM');
      await sup.exited;
    },
    async teardown() {},
  };
}
