// The keeper: owns service processes, their pipes and log files, reaps orphans, and keeps a
// controller running. It holds no policy: it does what the controller asks, and on its own
// only what keeps processes from being lost.
import { mkdirSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { groupMembers, readStat } from '../os/proc.js';
import { reapChildren, trackChildren } from '../os/reap.js';
import { closeFds, makePipe, posixSpawn, posixSpawnAvailable, SpawnError } from '../os/posix-spawn.js';
import { watchExit } from '../os/pidfd.js';
import { busy } from '../os/quiet-gc.js';
import { cloexecInheritedFds } from '../os/cloexec.js';
import { becomeSubreaper } from '../os/subreaper.js';
import { KEEPER_PROTOCOL, type ExitEvent, type FollowMarks, type FromKeeper, type LogLine, type SpawnRequest, type ToKeeper } from '../protocol/keeper.js';
import { homePaths } from '../protocol/home.js';
import { BUILD } from '../protocol/version.js';
import { ControllerLink } from './controller-link.js';
import { escapedBy, killEscaped } from './escaped.js';
import { ReadinessChannels } from './readiness/channels.js';
import { ServiceLog } from './logs/index.js';
import { signalGroup, killLeftovers } from './signal.js';
import { checkCwd, decodeWaitStatus, PosixChild, spawnProcess, type ServiceChild } from './spawn.js';
import { ProcessTable, readJournal } from './table.js';
import { openOutputFifos, removeFifoDir, removeStaleFifos, reopenOutputFifos } from './output-fifo.js';

/** Longest run of back-to-back spawns before the keeper reads I/O (readiness, output). */
const SPAWN_SLICE_MS = 5;
/** posix_spawn calls in flight at once (each waits on a threadpool thread for its child's exec). */
const SPAWNS_AT_ONCE = 3;

/** How the keeper was started. */
export interface KeeperOptions {
  readonly home: string;
  readonly controllerEntry: string;
  readonly controllerEnv: NodeJS.ProcessEnv;
  readonly version: string;
  /** Called for every captured line (foreground output). */
  readonly onLine?: (line: LogLine) => void;
  readonly say: (text: string) => void;
}

export class Keeper {
  readonly table: ProcessTable;
  readonly link: ControllerLink;
  readonly startedAt = new Date().toISOString();
  readonly subreaper: boolean;
  readonly readiness: ReadinessChannels;
  readonly #logs = new Map<string, ServiceLog>();
  readonly #drains = new Set<Promise<unknown>>();
  #following = false;
  #reapQueued = false;

  constructor(private readonly opts: KeeperOptions) {
    mkdirSync(join(opts.home, 'logs'), { recursive: true });
    this.table = new ProcessTable(join(opts.home, 'keeper.json'));
    trackChildren();
    cloexecInheritedFds();
    this.subreaper = becomeSubreaper();
    // Reaped at once, not on the next turn of the loop: when many services end together (a
    // stop of all), their output pipes' ends arrive in the same turn, and handling those first
    // delayed every exit report by tens of milliseconds.
    process.on('SIGCHLD', () => this.#reap());
    // Readiness reports go out after the reply to the spawn that created the process (it is
    // sent a microtask later): a ready file that already exists must not overtake it.
    this.readiness = new ReadinessChannels((m) => setImmediate(() => this.link.send(m)), opts.say);
    this.link = new ControllerLink(opts.controllerEntry, opts.controllerEnv, {
      hello: (firstBoot, starts, missed, dropped) => this.#hello(firstBoot, starts, missed, dropped),
      handle: (msg) => void this.#handle(msg),
      say: opts.say,
    });
  }

  start(): void {
    this.link.start();
  }

  #hello(firstBoot: boolean, controllerStarts: number, missed: ExitEvent[], dropped: number): FromKeeper {
    return {
      t: 'hello',
      protocol: KEEPER_PROTOCOL,
      keeperPid: process.pid,
      keeperVersion: this.opts.version,
      keeperBuild: BUILD,
      startedAt: this.startedAt,
      firstBoot,
      controllerStarts,
      table: this.table.entries(),
      missed,
      dropped,
      features: ['signals'],
    };
  }

  /** Processes the keeper has signalled on request, until they exit. */
  readonly #signaled = new Set<number>();

  /** Settles when the spawn before the next one has had its turn (see #handle). */
  #spawnTurn: Promise<void> = Promise.resolve();
  /** Until when spawns may go on without letting the event loop read I/O. */
  #sliceEnds = 0;

  async #handle(msg: ToKeeper): Promise<void> {
    busy();
    const reply = (ok: boolean, value?: unknown): void => {
      this.link.send(ok ? { t: 'reply', id: msg.id, ok: true, value } : { t: 'reply', id: msg.id, ok: false, error: String(value) });
    };
    try {
      switch (msg.t) {
        case 'spawn': {
          if (this.#posix) {
            reply(true, await this.#spawnSlot(() => this.spawn(msg.req)));
            return;
          }
          // child_process.spawn blocks until the child has exec'd. A burst of spawns (a cold
          // start) would run back to back in one turn of the event loop, and readiness reports
          // of the services already started would wait for the whole burst (seconds, at 1000
          // services: longer than a ready_timeout). So spawns take turns, in order, and after
          // SPAWN_SLICE_MS of spawning the event loop reads I/O before the next one.
          const turn = this.#spawnTurn.then(() =>
            performance.now() < this.#sliceEnds
              ? undefined
              : new Promise<void>((r) =>
                  setImmediate(() => {
                    this.#sliceEnds = performance.now() + SPAWN_SLICE_MS;
                    r();
                  }),
                ),
          );
          this.#spawnTurn = turn;
          await turn;
          reply(true, await this.spawn(msg.req));
          return;
        }
        case 'signal': {
          const err = this.#signalFor(msg.pid, msg.signal);
          reply(err === null, err ?? undefined);
          return;
        }
        case 'signals':
          if (!Array.isArray(msg.list)) return reply(false, 'signals: list is not an array');
          reply(true, msg.list.map((x) => this.#signalFor(x?.pid, x?.signal)));
          return;
        case 'log-limits':
          this.#logs.get(msg.service)?.setLimits({ maxBytes: msg.maxBytes, keep: msg.keep });
          reply(true);
          return;
        case 'follow':
          this.#following = msg.on;
          reply(true, msg.on && Array.isArray(msg.services) ? this.#logMarks(msg.services) : undefined);
          return;
        case 'adopt':
          reply(true, this.adopt(msg.service, msg.pid, msg.req));
          return;
        case 'replace-controller':
          reply(true);
          this.link.replace();
          return;
        case 'ready-for-shutdown':
          reply(true);
          this.onShutdownDone?.();
          return;
        default:
          reply(false, `unknown request ${(msg as { t: string }).t}`);
      }
    } catch (err) {
      reply(false, err instanceof Error ? err.message : err);
    }
  }

  /** Set by the runner: the controller finished an ordered shutdown. */
  onShutdownDone: (() => void) | null = null;

  /** posix_spawn is used (else child_process.spawn). */
  readonly #posix = posixSpawnAvailable() && !process.env.KELPIE_CHILD_PROCESS_SPAWN;
  /** Children spawned through posix_spawn, until reaped: their exits are ours to deliver. */
  readonly #posixChildren = new Map<number, PosixChild>();
  /** posix_spawn calls not returned yet: a zombie we do not know may be one of theirs. */
  #inFlight = 0;
  #reapDeferred = false;
  #holdLoop: NodeJS.Timeout | null = null;
  #slotsUsed = 0;
  readonly #slotQueue: Array<() => void> = [];

  /** Runs `f` when fewer than SPAWNS_AT_ONCE spawns are running, in the order asked. */
  async #spawnSlot<T>(f: () => Promise<T>): Promise<T> {
    if (this.#slotsUsed >= SPAWNS_AT_ONCE) await new Promise<void>((r) => this.#slotQueue.push(r));
    else this.#slotsUsed++;
    try {
      return await f();
    } finally {
      const next = this.#slotQueue.shift();
      if (next) next();
      else this.#slotsUsed--;
    }
  }

  async spawn(req: SpawnRequest): Promise<{ pid: number; startTime: number; spawnedAt: string }> {
    if (this.#posix) {
      try {
        return await this.#spawnPosix(req);
      } catch (err) {
        // A file without #! that execvp would run with sh: child_process does that.
        if (!(err instanceof SpawnError && err.code === 'ENOEXEC')) throw err;
      }
    }
    const stdio = this.readiness.before(req);
    // stdout and stderr through FIFOs a later keeper can reopen (output-fifo.ts); anonymous
    // pipes where FIFOs cannot be made.
    const fifos = Array.isArray(stdio) ? openOutputFifos(this.opts.home, req.service) : null;
    if (fifos && Array.isArray(stdio)) {
      stdio[1] = fifos.writeFds[0];
      stdio[2] = fifos.writeFds[1];
    }
    let child;
    try {
      child = await spawnProcess(req, stdio);
    } catch (err) {
      fifos?.spawned(false);
      this.readiness.abandon(req);
      throw err;
    }
    fifos?.spawned(true);
    child.on('error', () => {});
    return this.#spawned(req, child, child.pid as number, fifos ? fifos.readers : [child.stdout, child.stderr], fifos?.paths ?? null);
  }

  /** Spawns through posix_spawn: the same fds as child_process would give, made by hand. */
  async #spawnPosix(req: SpawnRequest): Promise<{ pid: number; startTime: number; spawnedAt: string }> {
    const bad = checkCwd(req.cwd);
    if (bad) throw bad;
    this.readiness.before(req);
    const fifos = openOutputFifos(this.opts.home, req.service);
    // Our ends (read) and the child's (write) of its stdout/stderr, and of its notification fd.
    const toClose: number[] = [];
    const readers: Socket[] = [];
    const fds: Array<number | null> = [null];
    let ok = false;
    try {
      if (fifos) {
        fds.push(fifos.writeFds[0], fifos.writeFds[1]);
        readers.push(...fifos.readers);
      } else {
        for (let i = 0; i < 2; i++) {
          const [r, w] = makePipe();
          toClose.push(w);
          readers.push(new Socket({ fd: r, readable: true, writable: false }));
          fds.push(w);
        }
      }
      const stdio: Array<Socket | null> = [null, readers[0]!, readers[1]!];
      const n = req.readiness?.fd;
      if (n !== undefined) {
        const [r, w] = makePipe();
        toClose.push(w);
        while (fds.length < n) {
          fds.push(null);
          stdio.push(null);
        }
        fds.push(w);
        const notify = new Socket({ fd: r, readable: true, writable: false });
        readers.push(notify); // destroyed with the others if the spawn fails
        stdio.push(notify);
      }
      this.#inFlight++;
      let pid: number;
      try {
        pid = await posixSpawn({ argv: req.argv, cwd: req.cwd, env: req.env, fds });
      } finally {
        this.#inFlight--;
      }
      ok = true;
      const child = new PosixChild(pid, stdio);
      this.#posixChildren.set(pid, child);
      // A ChildProcess keeps Node's event loop alive until its exit; these need a handle that does.
      this.#holdLoop ??= setInterval(() => {}, 1 << 30);
      if (this.#reapDeferred && this.#inFlight === 0) this.#queueReap();
      return this.#spawned(req, child, pid, readers.slice(0, 2), fifos?.paths ?? null);
    } finally {
      fifos?.spawned(ok);
      closeFds(toClose);
      if (!ok) {
        for (const s of readers) s.destroy();
        this.readiness.abandon(req);
      }
    }
  }

  /** Records a process just spawned and watches it. */
  #spawned(req: SpawnRequest, child: ServiceChild, pid: number, outputs: ReadonlyArray<NodeJS.ReadableStream | null>, fifoPaths: readonly string[] | null): { pid: number; startTime: number; spawnedAt: string } {
    this.readiness.after(req, child, pid);
    const spawnedAt = new Date().toISOString();
    const entry = { service: req.service, pid, startTime: readStat(pid)?.startTime ?? 0, spawnedAt };
    this.table.add({ entry, child, req, outputs: fifoPaths });
    this.#capture(req, outputs);
    child.once('exit', (code, signal) => this.#onExit(pid, code, signal));
    return { pid, startTime: entry.startTime, spawnedAt };
  }

  /** Captures a process's stdout and stderr into its service's log. */
  #capture(req: SpawnRequest, streams: ReadonlyArray<NodeJS.ReadableStream | null>): void {
    const log = this.#log(req);
    streams.forEach((stream, i) => {
      if (!stream) return;
      const drained = log.attach(stream, i === 0 ? 'out' : 'err');
      this.#drains.add(drained);
      void drained.finally(() => this.#drains.delete(drained));
    });
  }

  #log(req: SpawnRequest): ServiceLog {
    let log = this.#logs.get(req.service);
    if (!log) {
      log = new ServiceLog(req.service, {
        path: homePaths(this.opts.home).serviceLog(req.service),
        maxBytes: req.log.maxBytes,
        keep: req.log.keep,
        onLine: (e) => this.#onLine({ service: e.service, at: e.iso, stream: e.stream, text: e.text }),
        // Lines as strings only for a consumer: foreground output, a follower, a log-line readiness match.
        wantLines: () => this.opts.onLine !== undefined || this.#following || this.readiness.watchesLines(req.service),
        onWrite: () => this.#checkLog(req.service),
      });
      this.#logs.set(req.service, log);
    } else {
      log.setLimits(req.log);
    }
    return log;
  }

  readonly #logFailing = new Set<string>();

  /** Reports a log file that stops taking lines (disk full), and when it takes them again. */
  #checkLog(service: string): void {
    const f = this.#logs.get(service)?.file;
    if (!f || f.failing === this.#logFailing.has(service)) return;
    const error = f.failing ? (f.lastError?.code ?? f.lastError?.message ?? 'write error') : null;
    if (f.failing) this.#logFailing.add(service);
    else this.#logFailing.delete(service);
    this.opts.say(error ? `${service}: cannot write its log (${error}); lines are dropped until it can (${f.dropped} so far)` : `${service}: logging resumed (${f.dropped} line(s) were dropped)`);
    this.link.send({ t: 'log-error', service, error, dropped: f.dropped });
  }

  /** Where each log file ends now: logs are written synchronously, so nothing is half done. */
  #logMarks(services: readonly unknown[]): FollowMarks {
    const marks: FollowMarks = {};
    const logOf = homePaths(this.opts.home).serviceLog;
    for (const name of services) {
      if (typeof name !== 'string' || name.includes('/')) continue;
      const st = statSync(logOf(name), { throwIfNoEntry: false });
      marks[name] = { size: st?.size ?? 0, ino: st?.ino ?? 0 };
    }
    return marks;
  }

  #onLine(line: LogLine): void {
    this.opts.onLine?.(line);
    this.readiness.line(line.service, line.text);
    if (this.#following) this.link.sendLog(line);
  }

  #onExit(pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    const owned = this.table.remove(pid);
    if (!owned) return;
    this.#gone.get(pid)?.forEach((f) => f());
    this.#gone.delete(pid);
    // A service's process group ends with its leader: nothing it started may outlive it. A
    // launcher that forked a daemon is the exception: the daemon is what it started.
    const leftoversKilled = owned.req.daemonizes ? 0 : killLeftovers(pid, (g) => groupMembers(g).length);
    const signaled = this.#signaled.delete(pid);
    const ev: ExitEvent = { service: owned.entry.service, pid, code, signal, at: new Date().toISOString(), leftoversKilled, ...(signaled ? { signaled } : {}) };
    const exit = { ev, escapes: !owned.req.daemonizes };
    if (this.#exitBatch) this.#exitBatch.push(exit);
    else this.#sendExits([exit]);
  }

  /** Exits of one reaping pass, sent together once their escaped processes are killed. */
  #exitBatch: Array<{ ev: ExitEvent; escapes: boolean }> | null = null;

  /**
   * Kills what escaped the groups of the services that ended (unless another process of the
   * service still runs), in one look at our children for all of them, then reports the exits.
   */
  #sendExits(exits: ReadonlyArray<{ ev: ExitEvent; escapes: boolean }>): void {
    const ended = new Set(exits.filter((x) => x.escapes && !this.table.hasService(x.ev.service)).map((x) => x.ev.service));
    const killed = new Map<string, number>();
    if (ended.size > 0) {
      for (const [service, pids] of escapedBy((p) => this.table.get(p) !== undefined || this.#posixChildren.has(p))) {
        if (ended.has(service)) killed.set(service, killEscaped(pids));
      }
    }
    for (const { ev } of exits) {
      const extra = killed.get(ev.service) ?? 0;
      killed.delete(ev.service); // counted with one exit of the service
      this.link.sendExit(extra ? { ...ev, leftoversKilled: ev.leftoversKilled + extra } : ev);
    }
    if (this.table.size === 0) this.exitWaiters.splice(0).forEach((f) => f());
  }

  /** Resolved when the table becomes empty. */
  readonly exitWaiters: Array<() => void> = [];

  #queueReap(): void {
    if (this.#reapQueued) return;
    this.#reapQueued = true;
    setImmediate(() => {
      this.#reapQueued = false;
      this.#reap();
    });
  }

  /** One reaping pass now; the exits it finds are reported together. */
  #reap(): void {
    // A zombie we do not know of while a spawn is in flight may be that spawn's child, whose
    // exit must not be lost: it is left for the reap that follows the spawn.
    const mayReap = (pid: number): boolean => {
      if (this.#posixChildren.has(pid) || this.table.get(pid) || this.#inFlight === 0) return true;
      this.#reapDeferred = true;
      return false;
    };
    this.#reapDeferred = false;
    const batch: Array<{ ev: ExitEvent; escapes: boolean }> = [];
    this.#exitBatch = batch;
    try {
      this.#reapPass(mayReap);
    } finally {
      this.#exitBatch = null;
      if (batch.length > 0) this.#sendExits(batch);
    }
  }

  /** A controller's signal: sent, and remembered so the exit it causes is marked `signaled`. */
  #signalFor(pid: unknown, signal: unknown): string | null {
    if (typeof signal !== 'string') return `not a signal name: ${String(signal)}`;
    const err = this.#signal(pid, signal);
    if (err === null && signal !== '0' && typeof pid === 'number') this.#signaled.add(pid);
    return err;
  }

  /** signalGroup, knowing which pids are children this keeper spawned and has not reaped. */
  #signal(pid: unknown, signal: string): string | null {
    return signalGroup(this.table, pid, signal, (p) => this.#posixChildren.has(p));
  }

  /** Reaps what may be reaped now and delivers each exit. */
  #reapPass(mayReap: (pid: number) => boolean): void {
    for (const r of reapChildren(mayReap)) {
      const posix = this.#posixChildren.get(r.pid);
      if (posix) {
        this.#posixChildren.delete(r.pid);
        if (this.#posixChildren.size === 0 && this.#holdLoop) {
          clearInterval(this.#holdLoop);
          this.#holdLoop = null;
        }
        posix.exited(r.status);
        continue;
      }
      // Adopted daemons: their wait status is their exit.
      if (!this.table.get(r.pid)) continue;
      const [code, signal] = decodeWaitStatus(r.status);
      this.#onExit(r.pid, code, signal);
    }
  }

  /** Stops every service itself (no controller): its stop signal, SIGKILL after its timeout. */
  async stopAll(): Promise<void> {
    const all = this.table.all();
    await Promise.all(
      all.map(
        (o) =>
          new Promise<void>((resolve) => {
            const pid = o.entry.pid;
            if (!this.table.get(pid)) return resolve();
            const t = setTimeout(() => this.#signal(pid, 'SIGKILL'), o.req.stop.timeoutMs);
            this.#whenGone(pid, () => {
              clearTimeout(t);
              resolve();
            });
            if (this.#signal(pid, o.req.stop.signal) !== null) {
              clearTimeout(t);
              resolve();
            }
          }),
      ),
    );
    await this.drained();
  }

  readonly #gone = new Map<number, Array<() => void>>();

  #whenGone(pid: number, f: () => void): void {
    this.#gone.set(pid, [...(this.#gone.get(pid) ?? []), f]);
  }

  /** Takes a daemon a service forked (now our child by re-parenting) as its process. */
  adopt(service: string, pid: number, req: SpawnRequest): { pid: number; startTime: number; spawnedAt: string } {
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`not a valid pid: ${String(pid)}`);
    const st = readStat(pid);
    if (!st || st.state === 'Z') throw new Error(`pid ${pid} is not running`);
    if (st.ppid !== process.pid) throw new Error(`pid ${pid} is not a child of the keeper (its parent is ${st.ppid}); only a daemon re-parented to kelpie can be supervised`);
    const spawnedAt = new Date().toISOString();
    this.table.add({ entry: { service, pid, startTime: st.startTime, spawnedAt }, child: null, req });
    return { pid, startTime: st.startTime, spawnedAt };
  }

  /**
   * A new keeper takes back the service processes a previous keeper of this home left running
   * (it was killed; they were re-parented elsewhere): each journaled process that still runs
   * with the same start time is put back in the table, and its exit is watched through a pidfd.
   * Its exit status is not ours to read (we are not its parent): the exit is reported with
   * neither code nor signal, which the controller takes as a failure. Its output pipes died
   * with the old keeper, so its output is no longer captured. Nothing is killed.
   */
  readopt(): number {
    let n = 0;
    const kept = new Set<string>();
    for (const e of readJournal(join(this.opts.home, 'keeper.json'))) {
      const st = readStat(e.pid);
      if (!st || st.state === 'Z' || st.startTime !== e.startTime || this.table.get(e.pid)) continue;
      const { req, outputs, ...entry } = e;
      this.table.add({ entry, child: null, req, outputs: outputs ?? null });
      // Its output waited in the FIFOs' buffers while no keeper ran: capture goes on from there.
      const streams = outputs ? reopenOutputFifos(outputs) : [];
      for (const p of outputs ?? []) kept.add(p);
      this.#capture(req, streams);
      const w = watchExit(e.pid, e.startTime, () => this.#onExit(e.pid, null, null));
      this.#whenGone(e.pid, w.stop);
      const captured = streams.length === 2 ? 'its output is captured again' : 'its output is no longer captured';
      this.opts.say(`re-adopted ${e.service} (pid ${e.pid}) from a previous keeper; its exits are watched by ${w.how}, ${captured}`);
      n++;
    }
    // FIFOs of processes that ended while no keeper ran.
    removeStaleFifos(this.opts.home, kept);
    return n;
  }

  /** Resolves once every pipe seen so far reached EOF (bounded: a leaked fd must not hang us). */
  async drained(ms = 2000): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#drains]), new Promise((r) => setTimeout(r, ms).unref())]);
    await Promise.all([...this.#logs.values()].map((log) => log.close(true)));
    // The FIFO directory, once every process is gone and its FIFOs with it.
    if (this.table.size === 0) removeFifoDir(this.opts.home);
  }
}
