// The keeper's side of the controller: forks it, restarts it when it dies, and buffers
// exit events (bounded) while it is away. The channel may vanish mid-write at any time.
import { fork, type ChildProcess } from 'node:child_process';
import type { ExitEvent, FromKeeper, LogLine, ToKeeper } from '../protocol/keeper.js';
import { CONTROLLER_NODE_FLAGS, withNodeFlags } from '../os/node-flags.js';

const MAX_BUFFERED = 10_000;
const MAX_LOG_IN_FLIGHT = 1000;
/** How far back exits sent to a controller that died are given to the next one. */
const REPLAY_MS = 5000;
const MAX_REPLAYED = 1000;

/** What the link needs from the keeper. */
export interface LinkHost {
  hello(firstBoot: boolean, starts: number, missed: ExitEvent[], dropped: number): FromKeeper;
  handle(msg: ToKeeper): void;
  say(text: string): void;
}

export class ControllerLink {
  #child: ChildProcess | null = null;
  #missed: ExitEvent[] = [];
  #dropped = 0;
  #boots = 0;
  #lastStart = 0;
  #delay = 100;
  #stopping = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly host: LinkHost,
  ) {}

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  get connected(): boolean {
    return this.#child?.connected === true;
  }

  start(): void {
    if (this.#stopping) return;
    const firstBoot = this.#boots === 0;
    this.#boots++;
    this.#lastStart = Date.now();
    // detached: a Ctrl-C on the terminal reaches the keeper, which decides; not the controller.
    const child = fork(this.entry, [], { env: this.env, execArgv: withNodeFlags(process.execArgv, CONTROLLER_NODE_FLAGS), stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
    this.#child = child;
    child.on('error', () => {});
    child.on('message', (m) => this.host.handle(m as ToKeeper));
    child.once('exit', (code, signal) => this.#onExit(child, code, signal));
    const missed = this.#missed;
    const dropped = this.#dropped;
    this.#missed = [];
    this.#dropped = 0;
    if (!this.send(this.host.hello(firstBoot, this.#boots, missed, dropped))) {
      this.#missed = missed.concat(this.#missed);
    }
  }

  /** Sends if connected; false otherwise (the caller decides whether to buffer). */
  send(msg: FromKeeper): boolean {
    const c = this.#child;
    if (!c || !c.connected) return false;
    try {
      c.send(msg, (err) => {
        if (err && msg.t === 'exit') this.#buffer(msg.ev);
      });
      return true;
    } catch {
      return false;
    }
  }

  #inFlight = 0;
  #droppedLogs = 0;

  /**
   * Live log lines are a courtesy: while too many are still unsent (the controller or its
   * followers are slower than the service's output), lines are dropped, and the number
   * dropped is sent as one note once the channel catches up. The log files hold every line.
   */
  sendLog(line: LogLine): void {
    const c = this.#child;
    if (!c || !c.connected) return;
    if (this.#inFlight >= MAX_LOG_IN_FLIGHT) {
      this.#droppedLogs++;
      return;
    }
    if (this.#droppedLogs > 0) {
      const n = this.#droppedLogs;
      this.#droppedLogs = 0;
      line = { ...line, text: `[kelpie: ${n} line(s) not shown live; they are in the log file] ${line.text}` };
    }
    this.#inFlight++;
    try {
      c.send({ t: 'log', line } satisfies FromKeeper, () => this.#inFlight--);
    } catch {
      this.#inFlight--;
    }
  }

  /**
   * Exits sent to the current controller lately. A controller killed outright may die with some
   * of them unread in its channel, and nothing says which: when it dies, those of the last
   * REPLAY_MS go to the next one too. Replaying one it did handle is harmless: the next
   * controller judges an exit only against the state it restores, and the keeper's table of
   * live processes comes first.
   */
  #sent: ExitEvent[] = [];

  /** Exit events must reach a controller eventually: send now or keep for the next one. */
  sendExit(ev: ExitEvent): void {
    if (!this.send({ t: 'exit', ev })) {
      this.#buffer(ev);
      return;
    }
    this.#sent.push(ev);
    if (this.#sent.length > MAX_REPLAYED) this.#sent.shift();
  }

  /** Stops restarting the controller and ends the current one. */
  stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    const c = this.#child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => c.kill('SIGKILL'), 3000);
      // Bounded: an exit event that never comes must not keep the keeper alive.
      const give = setTimeout(resolve, 4000);
      c.once('exit', () => {
        clearTimeout(t);
        clearTimeout(give);
        resolve();
      });
      c.kill('SIGTERM');
    });
  }

  /** Kills the controller so that a fresh one (the code now installed) takes over. */
  replace(): void {
    this.#delay = 0;
    this.#child?.kill('SIGTERM');
  }

  #buffer(ev: ExitEvent): void {
    if (this.#missed.length >= MAX_BUFFERED) {
      this.#missed.shift();
      this.#dropped++;
    }
    this.#missed.push(ev);
  }

  /** Called when the controller process is gone (before any restart is scheduled). */
  onGone: (() => void) | null = null;

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child) return;
    this.#child = null;
    const since = Date.now() - REPLAY_MS;
    const replay = this.#sent.filter((e) => Date.parse(e.at) >= since);
    this.#sent = [];
    this.#missed = replay.concat(this.#missed);
    if (this.#stopping) return;
    this.onGone?.();
    if (this.#stopping) return;
    // A controller that fails during its own start-up is restarted more slowly (up to 5 s);
    // one that ran for a while, or was killed from outside, is replaced at once.
    const killed = signal === 'SIGKILL' || signal === 'SIGTERM';
    const quick = !killed && Date.now() - this.#lastStart < 1000;
    const delay = this.#delay;
    this.#delay = quick ? Math.min(Math.max(this.#delay * 2, 100), 5000) : 100;
    this.host.say(`controller exited (${signal ?? `code ${code}`}); starting a new one in ${delay} ms`);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.start();
    }, delay);
  }
}
