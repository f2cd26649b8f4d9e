// runit: runsvdir -P on a generated service directory (one runsv per service, each in its
// own process group). State comes from each service's supervise/status file (what `sv status`
// reads); stop all is SIGHUP to runsvdir (it sends TERM to every runsv, which stops its
// service and exits).
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemon, run, which } from '../lib/exec.mjs';
import { pollWaiter, signalPid, sleep, until } from '../lib/proc.mjs';

/** supervise/status (runit, 20 bytes): tai64n[12] pid[4 LE] paused want term runstate. */
export function readRunitStatus(svdir) {
  let b;
  try {
    b = readFileSync(join(svdir, 'supervise', 'status'));
  } catch {
    return null;
  }
  if (b.length < 20) return null;
  return { pid: b.readUInt32LE(12) || null, running: b[19] === 1 };
}

/** runsvdir ignores (until its next check) a directory whose mtime is the current second. */
async function nextSecond() {
  const now = Date.now();
  await sleep(1000 - (now % 1000) + 20);
}

export default function runit(ctx) {
  let dir;
  let sv;
  let n = 0;
  let runsvdir = null;
  let logDir;

  return {
    name: 'runit',
    timestamps: true,
    async installed() {
      return (await which('runsvdir')) && (await which('sv')) ? null : 'not installed';
    },
    async version() {
      const r = await run('dpkg-query', ['-W', '-f=${Version}', 'runit']).catch(() => null);
      return r?.code === 0 ? `runit ${r.stdout.trim()}` : 'runit';
    },

    async setup(count, d) {
      dir = d;
      n = count;
      sv = join(d, 'service');
      mkdirSync(sv);
      for (let i = 0; i < n; i++) {
        mkdirSync(join(sv, `s${i}`));
        writeFileSync(join(sv, `s${i}`, 'run'), '#!/bin/sh\nexec sleep 1000000\n', { mode: 0o755 });
      }
      await nextSecond();
    },

    async setupLog(d, writer, maxBytes) {
      dir = d;
      n = 0;
      sv = join(d, 'service');
      logDir = join(d, 'log');
      mkdirSync(join(sv, 'writer', 'log'), { recursive: true });
      mkdirSync(logDir);
      writeFileSync(join(sv, 'writer', 'run'), `#!/bin/sh\nexec /bin/sh ${writer.script}\n`, { mode: 0o755 });
      // svlogd -tt: UTC timestamps; config: rotate at maxBytes (s), keep up to 1000 files (n).
      writeFileSync(join(sv, 'writer', 'log', 'run'), `#!/bin/sh\nexec svlogd -tt ${logDir}\n`, { mode: 0o755 });
      writeFileSync(join(logDir, 'config'), `s${maxBytes}\nn1000\n`);
      await nextSecond();
    },
    logCurrent: () => join(logDir, 'current'),
    logFiles() {
      const archived = readdirSync(logDir).filter((f) => f.startsWith('@')).sort();
      return [...archived.map((f) => join(logDir, f)), join(logDir, 'current')];
    },
    linePrefix: /^\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d\.\d+ /,

    async start() {
      runsvdir = daemon('runsvdir', ['-P', sv], { cwd: dir, env: ctx.env, logFd: openSync(join(dir, 'runsvdir.log'), 'a') });
    },
    async waitAllRunning(timeoutMs) {
      await until(
        () => {
          for (let i = 0; i < n; i++) {
            const s = readRunitStatus(join(sv, `s${i}`));
            if (!s || !s.pid || !s.running) return false;
          }
          return true;
        },
        { timeoutMs, everyMs: 5, what: `all ${n} runit services running` },
      );
    },
    async pidOf(i) {
      return readRunitStatus(join(sv, `s${i}`))?.pid ?? null;
    },
    async servicePids() {
      const out = [];
      for (let i = 0; i < n; i++) {
        const p = readRunitStatus(join(sv, `s${i}`))?.pid;
        if (p) out.push(p);
      }
      return out;
    },
    roots: () => (runsvdir ? [runsvdir.pid] : []),
    statusOne: () => run('sv', ['status', join(sv, 's0')], { env: ctx.env }),

    respawnWaiter(i, oldPid) {
      return pollWaiter(() => {
        const p = readRunitStatus(join(sv, `s${i}`))?.pid;
        return p && p !== oldPid;
      });
    },

    async stopAll() {
      signalPid(runsvdir.pid, 'SIGHUP');
      await runsvdir.exited;
    },
    async teardown() {},
  };
}
