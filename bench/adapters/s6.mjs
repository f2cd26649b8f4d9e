// s6: s6-svscan on a generated scan directory; each service's run script signals readiness
// on its notification-fd. State comes from each service's supervise/status file (what
// s6-svstat reads); stop all is `s6-svscanctl -t`.
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemon, run, runOk, which } from '../lib/exec.mjs';
import { pollWaiter, until } from '../lib/proc.mjs';

/** supervise/status (s6 2.11, 35 bytes): stamp[12] readystamp[12] pid[8 BE] wstat[2] flags[1]. */
export function readS6Status(svdir) {
  let b;
  try {
    b = readFileSync(join(svdir, 'supervise', 'status'));
  } catch {
    return null;
  }
  if (b.length < 35) return null;
  const pid = Number(b.readBigUInt64BE(24));
  const flags = b[34];
  return { pid: pid || null, ready: (flags & 8) !== 0, wantUp: (flags & 4) !== 0 };
}

export default function s6(ctx) {
  let dir;
  let scan;
  let n = 0;
  let svscan = null;
  let logDir;

  return {
    name: 's6',
    timestamps: true,
    async installed() {
      return (await which('s6-svscan')) && (await which('s6-svscanctl')) ? null : 'not installed';
    },
    async version() {
      const r = await run('dpkg-query', ['-W', '-f=${Version}', 's6']).catch(() => null);
      return r?.code === 0 ? `s6 ${r.stdout.trim()}` : 's6';
    },

    async setup(count, d) {
      dir = d;
      n = count;
      scan = join(d, 'scan');
      mkdirSync(scan);
      for (let i = 0; i < n; i++) {
        const sv = join(scan, `s${i}`);
        mkdirSync(sv);
        // Readiness: write a newline to fd 3 (notification-fd), close it, exec the service.
        writeFileSync(join(sv, 'run'), '#!/bin/sh\necho >&3\nexec 3>&-\nexec sleep 1000000\n', { mode: 0o755 });
        writeFileSync(join(sv, 'notification-fd'), '3\n');
      }
    },

    async setupLog(d, writer, maxBytes) {
      dir = d;
      n = 0;
      scan = join(d, 'scan');
      logDir = join(d, 'log');
      const sv = join(scan, 'writer');
      mkdirSync(join(sv, 'log'), { recursive: true });
      writeFileSync(join(sv, 'run'), `#!/bin/sh\nexec /bin/sh ${writer.script}\n`, { mode: 0o755 });
      // s6-log: TAI64N timestamps (t), rotate at maxBytes (s), keep up to 1000 archives (n).
      writeFileSync(join(sv, 'log', 'run'), `#!/bin/sh\nexec s6-log n1000 s${maxBytes} t ${logDir}\n`, { mode: 0o755 });
    },
    logCurrent: () => join(logDir, 'current'),
    logFiles() {
      const archived = readdirSync(logDir).filter((f) => f.startsWith('@')).sort();
      return [...archived.map((f) => join(logDir, f)), join(logDir, 'current')];
    },
    linePrefix: /^@[0-9a-f]{24} /,

    async start() {
      // s6-svscan supervises at most 500 services unless told otherwise with -c.
      const args = n > 500 ? ['-c', String(n + 10), scan] : [scan];
      svscan = daemon('s6-svscan', args, { cwd: dir, env: ctx.env, logFd: openSync(join(dir, 'svscan.log'), 'a') });
    },
    async waitAllRunning(timeoutMs) {
      await until(
        () => {
          for (let i = 0; i < n; i++) {
            const s = readS6Status(join(scan, `s${i}`));
            if (!s || !s.pid || !s.ready) return false;
          }
          return true;
        },
        { timeoutMs, everyMs: 5, what: `all ${n} s6 services up and ready` },
      );
    },
    async pidOf(i) {
      return readS6Status(join(scan, `s${i}`))?.pid ?? null;
    },
    async servicePids() {
      const out = [];
      for (let i = 0; i < n; i++) {
        const p = readS6Status(join(scan, `s${i}`))?.pid;
        if (p) out.push(p);
      }
      return out;
    },
    roots: () => (svscan ? [svscan.pid] : []),
    statusOne: () => run('s6-svstat', [join(scan, 's0')], { env: ctx.env }),

    respawnWaiter(i, oldPid) {
      return pollWaiter(() => {
        const p = readS6Status(join(scan, `s${i}`))?.pid;
        return p && p !== oldPid;
      });
    },

    async stopAll() {
      await runOk('s6-svscanctl', ['-t', scan], { env: ctx.env });
      await svscan.exited;
    },
    async teardown() {},
  };
}
