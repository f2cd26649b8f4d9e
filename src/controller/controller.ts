// The controller: all policy. It loads the config, runs one state machine per service,
// persists what it must remember, and serves the API. It can die at any moment; the keeper
// holds the processes and a new controller reconciles with them.
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { listen } from '../api/server.js';
import type { Action, ControllerApi } from '../api/routes.js';
import type { Config, ServiceSpec } from '../config/types.js';
import { loadConfig, formatIssue } from '../config/index.js';
import { writeFileAtomic } from '../os/atomic.js';
import type { ActionOutcome, KelpieEvent, LogEntry, ServiceDetail, StatusResult } from '../protocol/api.js';
import { KelpieError } from '../protocol/errors.js';
import { homePaths, type HomePaths } from '../protocol/home.js';
import type { FromKeeper } from '../protocol/keeper.js';
import { Service, type Outcome } from '../service/service.js';
import type { PersistedService } from '../state/encode.js';
import { readState, StateStore } from '../state/store.js';
import { serviceEnv } from './env.js';
import { EventBus } from './events.js';
import { KeeperClient } from './keeper-client.js';
import { mergedTail, parseStored, tailLines } from './logs.js';
import { reconcile, restore } from './reconcile.js';

declare const KELPIE_VERSION: string;
const VERSION = typeof KELPIE_VERSION === 'string' ? KELPIE_VERSION : 'dev';

type Hello = Extract<FromKeeper, { t: 'hello' }>;

export class Controller implements ControllerApi {
  readonly paths: HomePaths;
  readonly events = new EventBus();
  readonly services = new Map<string, Service>();
  readonly keeper: KeeperClient;
  readonly startedAt = new Date().toISOString();
  #config!: Config;
  #hello!: Hello;
  #server: Server | null = null;
  #store: StateStore;
  #followers = new Set<(l: LogEntry) => void>();
  #shuttingDown = false;

  constructor(
    home: string,
    private readonly configFile: string,
  ) {
    this.paths = homePaths(home);
    this.keeper = new KeeperClient((m) => this.#onKeeper(m));
    this.#store = new StateStore(this.paths.state, () => this.#snapshot(), (m) => this.say(m));
  }

  say(text: string): void {
    process.stderr.write(`${new Date().toISOString()} kelpie[controller ${process.pid}]: ${text}\n`);
  }

  #onKeeper(m: FromKeeper): void {
    switch (m.t) {
      case 'hello':
        void this.#boot(m).catch((err: unknown) => {
          this.say(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
          void this.keeper.request({ t: 'ready-for-shutdown' });
        });
        return;
      case 'exit':
        this.services.get(m.ev.service)?.dispatch({ type: 'exit', exit: m.ev });
        return;
      case 'log':
        for (const f of this.#followers) f({ service: m.line.service, at: m.line.at, stream: m.line.stream, text: m.line.text });
        return;
      case 'shutdown':
        void this.#shutdown(m.reason);
        return;
      default:
        return;
    }
  }

  #loadConfig(firstBoot: boolean): Config {
    const snapshot = `${this.paths.home}/config.json`;
    if (!firstBoot) {
      try {
        return JSON.parse(readFileSync(snapshot, 'utf8')) as Config;
      } catch {
        this.say('no config snapshot; reading the config file again');
      }
    }
    const r = loadConfig(this.configFile);
    if (!r.ok) throw new Error(`invalid config:\n${r.issues.map(formatIssue).join('\n')}`);
    writeFileAtomic(snapshot, JSON.stringify(r.config));
    return r.config;
  }

  async #boot(hello: Hello): Promise<void> {
    this.#hello = hello;
    this.#config = this.#loadConfig(hello.firstBoot);
    const persisted = readState(this.paths.state, (m) => this.say(m));
    const live = new Map(hello.table.map((e) => [e.service, e]));
    const toStart: Service[] = [];
    for (const spec of Object.values(this.#config.services)) {
      const svc = this.#makeService(spec);
      restore(svc, persisted.services[spec.name], !hello.firstBoot);
      if (hello.firstBoot) {
        if (svc.enabled && spec.autostart) toStart.push(svc);
      } else if (reconcile(svc, live.get(spec.name), hello.missed)) {
        toStart.push(svc);
      }
    }
    if (hello.dropped > 0) this.say(`${hello.dropped} exit events were dropped while no controller ran`);
    this.#server = await listen(this, this.paths.socket);
    this.events.emit({ service: null, type: 'controller-started', message: hello.firstBoot ? 'first boot' : 'reconnected to keeper' });
    this.say(`${hello.firstBoot ? 'started' : 'restarted'}; ${this.services.size} service(s), ${hello.table.length} process(es) adopted`);
    for (const svc of toStart) void svc.start();
    this.#store.save();
    process.on('SIGTERM', () => this.#exitQuietly());
  }

  #makeService(spec: ServiceSpec): Service {
    const svc = new Service(spec, {
      spawn: (s) =>
        this.keeper.spawn({
          service: s.name,
          argv: s.command,
          cwd: s.cwd,
          env: serviceEnv(s),
          log: s.log,
          stop: { signal: s.stop.signal, timeoutMs: s.stop.timeout },
        }),
      signal: (pid, signal) => this.keeper.signal(pid, signal),
      changed: (sv, reason) => {
        this.events.emit({ service: sv.name, type: 'state', state: sv.state, pid: sv.pid, ...(reason ? { message: reason } : {}) });
        this.#store.save();
      },
      note: (sv, message) => this.events.emit({ service: sv.name, type: 'note', message }),
    });
    this.services.set(spec.name, svc);
    return svc;
  }

  #snapshot(): Record<string, PersistedService> {
    const out: Record<string, PersistedService> = {};
    for (const s of this.services.values()) {
      out[s.name] = {
        state: s.state, since: s.since, reason: s.reason, enabled: s.enabled, pid: s.pid, startTime: s.startTime,
        spawnedAt: s.spawnedAt, readyAt: s.readyAt, restarts: s.restarts, failures: s.failures, exits: s.exits,
      };
    }
    return out;
  }

  #service(name: string): Service {
    const s = this.services.get(name);
    if (!s) {
      const known = [...this.services.keys()];
      throw new KelpieError('KELPIE_E_UNKNOWN_SERVICE', `no service named "${name}"`, known.length ? `known services: ${known.join(', ')}` : 'the config defines no services');
    }
    return s;
  }

  status(): StatusResult {
    return {
      daemon: {
        keeper_pid: this.#hello.keeperPid,
        controller_pid: process.pid,
        version: VERSION,
        home: this.paths.home,
        config: this.#config.file,
        started_at: this.#hello.startedAt,
        controller_started_at: this.startedAt,
        controller_restarts: this.#hello.controllerStarts - 1,
      },
      services: [...this.services.values()].map((s) => ({
        name: s.name, state: s.state, since: s.since, pid: s.pid, restarts: s.restarts, reason: s.reason,
        autostart: s.spec.autostart, enabled: s.enabled,
      })),
    };
  }

  detail(name: string, lines: number): ServiceDetail {
    const s = this.#service(name);
    const logFile = this.paths.serviceLog(name);
    return {
      ...this.status().services.find((x) => x.name === name)!,
      command: s.spec.command, cwd: s.spec.cwd, restartPolicy: s.spec.restart, spawnedAt: s.pid ? s.spawnedAt : null,
      readyAt: s.pid ? s.readyAt : null, nextRestartAt: s.nextRestartAt, exits: s.exits, logFile,
      logLines: tailLines(logFile, lines).map((l) => parseStored(name, l)), source: s.spec.source,
    };
  }

  #pick(names: readonly string[] | 'all' | 'autostart'): Service[] {
    if (names === 'all') return [...this.services.values()];
    if (names === 'autostart') return [...this.services.values()].filter((s) => s.spec.autostart && s.enabled);
    return names.map((n) => this.#service(n));
  }

  async act(action: Action, names: readonly string[] | 'all' | 'autostart', wait: boolean, timeoutMs: number): Promise<ActionOutcome[]> {
    const picked = this.#pick(names);
    const one = async (s: Service): Promise<Outcome> => {
      switch (action) {
        case 'start':
          return s.start();
        case 'stop':
          return s.stop();
        case 'restart': {
          const stopped = await s.stop();
          return stopped.ok ? s.start() : stopped;
        }
        case 'enable':
          s.dispatch({ type: 'enable' });
          return { ok: true, state: s.state, message: 'enabled' };
        case 'disable':
          return (s.dispatch({ type: 'disable' }), s.stop());
      }
    };
    const results = picked.map(async (s): Promise<ActionOutcome> => {
      const work = one(s);
      const timeout = new Promise<Outcome>((r) => {
        const t = setTimeout(() => r({ ok: false, state: s.state, message: `still ${s.state} after ${timeoutMs} ms` }), wait ? timeoutMs : 0);
        void work.finally(() => clearTimeout(t));
      });
      const o = wait ? await Promise.race([work, timeout]) : { ok: true, state: s.state, message: 'requested' };
      return { name: s.name, ...o };
    });
    return Promise.all(results);
  }

  async signal(name: string, signal: string): Promise<void> {
    const s = this.#service(name);
    if (s.pid === null) throw new KelpieError('KELPIE_E_NOT_RUNNING', `service "${name}" has no running process`);
    const sig = signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
    try {
      await this.keeper.signal(s.pid, sig);
    } catch (err) {
      throw new KelpieError('KELPIE_E_KEEPER', `cannot send ${sig} to ${name}: ${(err as Error).message}`);
    }
  }

  logs(names: readonly string[], n: number): LogEntry[] {
    const picked = names.length ? names.map((x) => this.#service(x)) : [...this.services.values()];
    return mergedTail(picked.map((s) => ({ service: s.name, path: this.paths.serviceLog(s.name) })), n);
  }

  followLogs(names: readonly string[], f: (e: LogEntry) => void): () => void {
    for (const x of names) this.#service(x);
    const filter = new Set(names);
    const g = (e: LogEntry): void => {
      if (filter.size === 0 || filter.has(e.service)) f(e);
    };
    this.#followers.add(g);
    if (this.#followers.size === 1) void this.keeper.request({ t: 'follow', on: true }).catch(() => {});
    return () => {
      this.#followers.delete(g);
      if (this.#followers.size === 0) void this.keeper.request({ t: 'follow', on: false }).catch(() => {});
    };
  }

  subscribe(f: (e: KelpieEvent) => void): () => void {
    return this.events.subscribe(f);
  }

  eventsSince(seq: number): KelpieEvent[] {
    return this.events.since(seq);
  }

  shutdown(): void {
    void this.#shutdown('requested through the API');
  }

  /** Ordered shutdown: every service stopped, state written, then the keeper may exit. */
  async #shutdown(reason: string): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.say(`shutting down (${reason})`);
    this.events.emit({ service: null, type: 'shutdown', message: reason });
    // Stop order is reversed start order; without dependencies every service stops at once.
    await Promise.all([...this.services.values()].map((s) => s.stop()));
    this.#store.flush();
    this.#server?.close();
    await this.keeper.request({ t: 'ready-for-shutdown' }).catch(() => {});
  }

  /** SIGTERM from the keeper: hand over (upgrade or shutdown); processes stay with the keeper. */
  #exitQuietly(): void {
    for (const s of this.services.values()) s.dispose();
    this.#store.flush();
    this.#server?.close();
    process.exit(0);
  }
}
