// PID 1 and orphans. `kelpie up` runs as init of a new PID namespace (unshare, as root): it
// must reap the orphans that double-forking services leave, and shut down in order on
// SIGTERM or SIGINT with an exit code that says how it went. Outside PID 1 the keeper is a
// child subreaper: escaped grandchildren are re-parented to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Project, BIN, fixture, alive, marked } from '../helpers/project.js';
import { readStat } from '../../src/os/proc.js';
import { nsPids, poll } from './helpers.js';

/** The suite needs util-linux unshare and the right to create PID namespaces (root). */
function requireUnshare(): void {
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'pipe' });
  assert.equal(r.status, 0, `this suite needs util-linux unshare and root: ${r.error?.message ?? r.stderr.toString()}`);
}

/** `kelpie up` (foreground) as PID 1 of a fresh PID namespace. */
class Pid1 {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly p: Project) {
    this.child = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, BIN, 'up'], {
      cwd: p.dir,
      env: { ...process.env, NO_COLOR: '1', KELPIE_TEST_MARK: p.mark },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** The keeper's PID as seen from here (unshare's only child). */
  async keeper(): Promise<number> {
    const pid = await poll(() => {
      try {
        const kids = readFileSync(`/proc/${this.child.pid}/task/${this.child.pid}/children`, 'latin1').trim();
        return kids ? Number(kids.split(/\s+/)[0]) : null;
      } catch {
        return null;
      }
    }, 5000);
    assert.ok(pid, `unshare started no child\n${this.stderr}`);
    return pid;
  }

  /** Waits until the API answers (the foreground keeper has no pid file for the client to see yet). */
  async answering(): Promise<void> {
    const end = Date.now() + 10_000;
    for (;;) {
      try {
        await this.p.status();
        return;
      } catch (err) {
        if (Date.now() > end || this.child.exitCode !== null) throw new Error(`kelpie up as PID 1 never answered: ${(err as Error).message}\n${this.stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Processes of the namespace as it sees them: [ns pid, state, ns ppid, comm]. */
  processes(keeper: number): Array<{ pid: number; state: string; ppid: number; cmd: string }> {
    const root = `/proc/${keeper}/root/proc`;
    const out = [];
    for (const n of readdirSync(root)) {
      if (!/^\d+$/.test(n)) continue;
      try {
        const stat = readFileSync(`${root}/${n}/stat`, 'latin1');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cmd = readFileSync(`${root}/${n}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
        out.push({ pid: Number(n), state: f[0] ?? '?', ppid: Number(f[1]), cmd });
      } catch {
        // gone
      }
    }
    return out;
  }

  /** Waits for exit (bounded); SIGKILLs the namespace's init (and so the namespace) if it hangs. */
  async wait(ms: number): Promise<number | null | 'hung'> {
    const t = new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms).unref());
    const r = await Promise.race([this.exited, t]);
    if (r === 'hung') this.kill();
    return r;
  }

  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const kids = (() => {
      try {
        return readFileSync(`/proc/${this.child.pid}/task/${this.child.pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    })();
    for (const k of kids) process.kill(k, 'SIGKILL'); // init of the namespace: takes every process in it along
  }
}

const sayOnTerm = (name: string): string => JSON.stringify(['sh', '-c', `trap 'echo ${name} stopping; exit 0' TERM; echo ${name} up; while :; do sleep 0.1; done`]);

const CONFIG = `
[services.db]
command = ${sayOnTerm('db')}

[services.web]
command = ${sayOnTerm('web')}
requires = ["db"]

[services.orphans]
command = ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do (sleep 1000 &); done; echo spawned; exec sleep 999"]

[services.df]
command = ${fixture('double-fork')}
restart = "never"
`;

async function shutdownAsPid1(signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
  requireUnshare();
  const p = new Project(CONFIG);
  const ns = new Pid1(p);
  try {
    const keeper = await ns.keeper();
    assert.deepEqual(nsPids(keeper), [keeper, 1], 'kelpie is PID 1 of its namespace');
    await ns.answering();
    await p.until((s) => s.services.every((x) => (x.name === 'df' ? x.state === 'stopped' : x.state === 'running')), 'services up, df exited');
    // df's escapee (own session) lost its parent: PID 1 adopts it. Whether kelpie ends it with
    // df or we do, it must then be reaped, not left a zombie.
    const escapee = Number(/escaped (\d+)/.exec(await p.untilLog('df', /^escaped \d+/))?.[1]);
    if (!(await poll(() => !ns.processes(keeper).some((x) => x.pid === escapee && x.state !== 'Z'), 1000))) {
      const host = marked(p.mark).find((x) => nsPids(x.pid)[1] === escapee);
      if (host) process.kill(host.pid, 'SIGKILL');
    }
    assert.ok(await poll(() => !ns.processes(keeper).some((x) => x.pid === escapee), 5000), `df's escapee ${escapee} not reaped: ${JSON.stringify(ns.processes(keeper).find((x) => x.pid === escapee))}`);
    // The sleeps whose parent subshells exited are orphans: now children of PID 1.
    const adopted = await poll(() => {
      const sleeps = ns.processes(keeper).filter((x) => x.cmd === 'sleep 1000' && x.ppid === 1);
      return sleeps.length === 8 ? sleeps : null;
    }, 5000);
    assert.ok(adopted, `orphans not re-parented to PID 1: ${JSON.stringify(ns.processes(keeper))}`);
    // Killed from outside (their pids here), they become zombies of PID 1, which must reap them.
    const inNs = new Set(adopted.map((x) => x.pid));
    const here = marked(p.mark).filter((x) => inNs.has(nsPids(x.pid)[1] ?? -1));
    assert.equal(here.length, 8);
    for (const x of here) process.kill(x.pid, 'SIGKILL');
    const reaped = await poll(() => {
      const ps = ns.processes(keeper);
      return !ps.some((x) => x.state === 'Z' || inNs.has(x.pid)) ? ps : null;
    }, 5000);
    assert.ok(reaped, `zombies left in the namespace: ${JSON.stringify(ns.processes(keeper).filter((x) => x.state === 'Z' || inNs.has(x.pid)))}`);

    process.kill(keeper, signal);
    const code = await ns.wait(20_000);
    assert.equal(code, 0, `exit code after ${signal}\n${ns.stderr}`);
    assert.match(ns.stderr, new RegExp(`${signal}: asking the controller for an ordered shutdown`));
    assert.match(ns.stderr, new RegExp(`shutting down \\(${signal}\\)`));
    // Dependents first: web stopped before db was asked to stop.
    const webAt = ns.stdout.indexOf('web stopping');
    const dbAt = ns.stdout.indexOf('db stopping');
    assert.ok(webAt >= 0 && dbAt > webAt, `stop order (web before db) in:\n${ns.stdout}`);
  } finally {
    ns.kill();
    await p.cleanup();
  }
}

test('as PID 1: orphans are reaped (no zombies), SIGTERM gives an ordered shutdown and exit 0', () => shutdownAsPid1('SIGTERM'));

test('as PID 1: SIGINT gives an ordered shutdown and exit 0', () => shutdownAsPid1('SIGINT'));

test('as PID 1: a second SIGTERM during a slow shutdown stops everything at once and exits 1', async () => {
  requireUnshare();
  const p = new Project(`
[services.stubborn]
command = ${fixture('ignores-sigterm')}
stop = { timeout = "2s" }
`);
  const ns = new Pid1(p);
  try {
    const keeper = await ns.keeper();
    await ns.answering();
    await p.untilLog('stubborn', /^ready$/);
    const t0 = Date.now();
    process.kill(keeper, 'SIGTERM');
    await poll(() => /shutting down \(SIGTERM\)/.test(ns.stderr), 5000);
    process.kill(keeper, 'SIGTERM');
    const code = await ns.wait(20_000);
    assert.equal(code, 1, `exit code after two SIGTERMs\n${ns.stderr}`);
    assert.match(ns.stderr, /SIGTERM: stopping every service now/);
    assert.match(ns.stderr, /stopping 1 service process\(es\) without a controller/);
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    ns.kill();
    await p.cleanup();
  }
});

test('outside PID 1 the keeper is a child subreaper: an escaped grandchild is re-parented to it and reaped', async () => {
  // The fixture runs under a shell that stays: when the fixture exits, its escaped child is
  // re-parented to the keeper while the service itself still runs (so it is not ended with it).
  const p = new Project(`[services.df]\ncommand = ${wrappedDoubleFork()}\nrestart = "never"\n`);
  try {
    await p.up();
    const keeper = (await p.status()).daemon.keeper_pid;
    const escapee = Number(/escaped (\d+)/.exec(await p.untilLog('df', /^escaped \d+/))?.[1]);
    assert.ok(await poll(() => readStat(escapee)?.ppid === keeper, 5000), `escapee ${escapee} has parent ${readStat(escapee)?.ppid}, keeper is ${keeper}`);
    process.kill(escapee, 'SIGTERM');
    // Gone from /proc entirely: it was reaped, not left a zombie.
    assert.ok(await poll(() => readStat(escapee) === null, 5000), `escapee ${escapee} left as ${readStat(escapee)?.state}`);
  } finally {
    await p.cleanup();
  }
});

/** The double-fork fixture under a shell that stays: its escapee is re-parented to the keeper. */
function wrappedDoubleFork(): string {
  const df = JSON.parse(fixture('double-fork')) as string[];
  return `["sh", "-c", ${JSON.stringify(`${df.join(' ')} exit; exec sleep 1000`)}]`;
}

/** Runs `act` on a project whose running service has an escaped grandchild; returns it if it survived. */
async function escapeeAfter(command: string, act: (p: Project) => Promise<unknown>): Promise<number | null> {
  const p = new Project(`[services.df]\ncommand = ${command}\nrestart = "never"\n`);
  let survivor: number | null = null;
  try {
    await p.up();
    const escapee = Number(/escaped (\d+)/.exec(await p.untilLog('df', /^escaped \d+/))?.[1]);
    assert.ok(alive(escapee));
    await act(p);
    survivor = (await poll(() => !alive(escapee), 3000)) ? null : escapee;
    if (survivor !== null) process.kill(survivor, 'SIGKILL'); // ours: started by this test's service
  } finally {
    await p.cleanup();
  }
  return survivor;
}

test('kelpie stop also stops the escaped (setsid) grandchildren of the service', async () => {
  // The fixture idles: its escapee is its own child, in another session and process group.
  const survivor = await escapeeAfter(fixture('double-fork', 'idle'), async (p) => assert.equal((await p.kelpie(['stop', 'df'])).code, 0));
  assert.equal(survivor, null, `escaped grandchild ${survivor} outlived kelpie stop (it left the process group with setsid)`);
});

test('kelpie down leaves no escaped (setsid) grandchild of a service alive', async () => {
  // The escapee's parent exited: it is the keeper's (subreaper) child while the service runs.
  const survivor = await escapeeAfter(wrappedDoubleFork(), async (p) => assert.equal((await p.kelpie(['down'])).code, 0));
  assert.equal(survivor, null, `escaped grandchild ${survivor} outlived kelpie down (re-parented to init when the keeper exited)`);
});

test('as PID 1: kelpie down from outside the PID namespace returns once kelpie has exited', async () => {
  // status reports the keeper's pid as the namespace sees it (1); from here that is init.
  requireUnshare();
  const p = new Project(`[services.a]\ncommand = ${fixture('forever')}\n`);
  const ns = new Pid1(p);
  try {
    await ns.keeper();
    await ns.answering();
    const down = await p.kelpie(['down'], { timeoutMs: 10_000 }).catch((err: Error) => err);
    const code = await ns.wait(5000);
    assert.equal(code, 0, 'kelpie (PID 1) shut down in order');
    assert.ok(!(down instanceof Error), 'kelpie down did not return within 10 s: it waits for keeper_pid 1 (the namespace\'s view of the keeper, init from here) to exit');
    assert.equal(down.code, 0, down.stderr);
  } finally {
    ns.kill();
    await p.cleanup();
  }
});
