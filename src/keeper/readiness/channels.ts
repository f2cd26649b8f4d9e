// The readiness channels of every service process, set up around its spawn: a notify socket
// per service, a notification fd, a ready file, a log-line match. Each reports to `send`;
// what a report means is the controller's business.
import type { StdioOptions } from 'node:child_process';
import { NotifyHub, type NotifyChannel } from '../../os/notify-socket.js';
import type { FromKeeper, SpawnRequest } from '../../protocol/keeper.js';
import { readStat } from '../../os/proc.js';
import type { ServiceChild } from '../spawn.js';
import { notifyFdStdio, watchNotifyFd } from './notify-fd.js';
import { prepareReadyFile, watchReadyFile } from './ready-file.js';

export class ReadinessChannels {
  #hub: NotifyHub | null | undefined;
  readonly #sockets = new Map<string, NotifyChannel>();
  readonly #matchers = new Map<string, { pid: number; re: RegExp }>();
  /**
   * Notify messages that came while the service's process was being spawned: a process can
   * send READY=1 before the keeper knows its pid, and the controller must hear of the spawn
   * first, or it has no process to credit the message to. Sent once the spawn is recorded.
   */
  readonly #early = new Map<string, FromKeeper[]>();

  constructor(
    private readonly send: (msg: FromKeeper) => void,
    private readonly say: (text: string) => void,
  ) {}

  /** Prepares channels that must exist before the process does; returns its stdio. */
  before(req: SpawnRequest): StdioOptions {
    const r = req.readiness;
    if (r?.file) prepareReadyFile(r.file);
    if (r?.notify) {
      this.#socket(req.service, r.notify);
      this.#early.set(req.service, []);
    }
    return r?.fd ? notifyFdStdio(r.fd) : ['ignore', 'pipe', 'pipe'];
  }

  /** Watches the channels of a spawned process. */
  after(req: SpawnRequest, child: ServiceChild, pid: number): void {
    const r = req.readiness;
    if (!r) return;
    const service = req.service;
    const early = this.#early.get(service);
    this.#early.delete(service);
    for (const m of early ?? []) this.send(m);
    if (r.fd) watchNotifyFd(child, r.fd, (ev) => this.send({ t: 'ready', service, pid, via: 'fd', ...(ev === 'eof' ? { eof: true } : {}) }));
    if (r.file) {
      const stop = watchReadyFile(r.file, (ev, err) => {
        if (ev === 'ready') this.send({ t: 'ready', service, pid, via: 'file' });
        else if (ev === 'gone') this.send({ t: 'unready', service, pid, via: 'file', why: `${r.file} was removed` });
        else this.say(`${service}: cannot watch ${r.file}: ${err?.message ?? 'unknown error'}`);
      });
      child.once('exit', stop);
    }
    if (r.log) {
      try {
        this.#matchers.set(service, { pid, re: new RegExp(r.log) });
      } catch (err) {
        this.say(`${service}: bad readiness regex: ${(err as Error).message}`);
      }
    }
  }

  /** The spawn prepared by before() did not happen: what its process may have sent is dropped. */
  abandon(req: SpawnRequest): void {
    this.#early.delete(req.service);
  }

  /** True while a process of `service` waits for a log line to match its readiness pattern. */
  watchesLines(service: string): boolean {
    return this.#matchers.has(service);
  }

  /** Checks a captured line against the service's readiness pattern (once per process). */
  line(service: string, text: string): void {
    const m = this.#matchers.get(service);
    if (!m || !m.re.test(text)) return;
    this.#matchers.delete(service);
    this.send({ t: 'ready', service, pid: m.pid, via: 'log' });
  }

  #socket(service: string, path: string): void {
    const open = this.#sockets.get(service);
    if (open && !open.closed && open.path === path) return;
    open?.close();
    if (this.#hub === undefined) this.#hub = NotifyHub.create({ onError: (e) => this.say(`notify poller: ${e.message}`) });
    if (!this.#hub) throw new Error('notify sockets are not available here (no FFI); use ready = { fd = 3 } instead');
    const ch = this.#hub.open(path, (msg) => {
      // The sender's process group, looked up now, while it is most likely alive (a sender that
      // exits right after sending, like systemd-notify, is gone by the time the controller
      // would look): the controller hears only the service's own processes.
      const senderGroup = msg.pid !== null && msg.pid > 0 ? (readStat(msg.pid)?.pgrp ?? null) : null;
      const m: FromKeeper = { t: 'notify', service, sender: msg.pid, senderGroup, fields: Object.fromEntries(msg.fields) };
      const early = this.#early.get(service);
      if (early) early.push(m);
      else this.send(m);
    });
    this.#sockets.set(service, ch);
  }

  /** Closes every socket (keeper exit). */
  close(): void {
    for (const ch of this.#sockets.values()) ch.close();
    this.#sockets.clear();
    this.#hub?.close();
  }
}
