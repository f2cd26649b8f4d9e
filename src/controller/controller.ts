// The controller: all policy. It loads the config, runs one state machine per service,
// persists what it must remember, and serves the API. It can die at any moment; the keeper
// holds the processes and a new controller reconciles with them.
import type { Server } from 'node:http';
import { readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { constants as osConstants } from 'node:os';
import { listen, listenTls } from '../api/server.js';
import { Fleet } from '../fleet/fleet.js';
import { loadIdentity, type NodeIdentity } from '../fleet/identity.js';
import { RemoteService } from '../fleet/proxy.js';
import { parseListen } from '../fleet/url.js';
import { Gate } from '../api/gate.js';
import { Dashboard } from '../api/dashboard.js';
import type { Action, ControllerApi } from '../api/routes.js';
import type { Config, ServiceSpec } from '../config/types.js';
import { loadConfig, formatIssue } from '../config/index.js';
import { removeStaleTemps, writeFileAtomic } from '../os/atomic.js';
import type { FleetNode, GraphResult, ReloadResult, ActionOutcome, KelpieEvent, LogEntry, ServiceDetail, ShutdownPlan, StatusResult, DashboardLink, UsageSample } from '../protocol/api.js';
import { KelpieError } from '../protocol/errors.js';
import { BUILD, VERSION } from '../protocol/version.js';
import { homePaths, type HomePaths } from '../protocol/home.js';
import { KEEPER_PROTOCOL, type FollowMarks, type FromKeeper, type SpawnRequest } from '../protocol/keeper.js';
import { Service, type Outcome } from '../service/service.js';
import type { PersistedService } from '../state/encode.js';
import { readState, StateStore } from '../state/store.js';
import { serviceEnv } from './env.js';
import { EventBus } from './events.js';
import { KeeperClient } from './keeper-client.js';
import { mergedTail, parseStored, tailLines } from './logs.js';
import { reconcile, restore } from './reconcile.js';
import { applyPlan, type Applied, type ReloadHost } from './reload.js';
import { ProcessGroups } from './processes.js';
import { Orchestrator } from './orchestrate.js';
import { Health } from './health.js';
import { PidFiles } from './pidfile.js';
import { Timers } from './timers.js';
import { watchFiles } from './watch.js';
import { UnixDgram } from '../os/unix-dgram.js';
import { hostIssues, wrapCommand } from './privileges.js';
import { transientSpec, withDefaults, type RunRequest } from './transient.js';
import { applyNotify, describeReady, readinessFor, removeStaleSockets } from './readiness.js';
import { DepGraph, edgesOf, toDot, toText, type Visible } from '../graph/index.js';
import { diffServices } from '../config/diff.js';
import { Observer } from './observe.js';


type Hello = Extract<FromKeeper, { t: 'hello' }>;

export class Controller implements ControllerApi {
  readonly paths: HomePaths;
  readonly events = new EventBus();
  readonly services = new Map<string, Service>();
  /** Services added at runtime (`kelpie add`): persisted, kept across reloads. */
  readonly registered = new Map<string, ServiceSpec>();
  /** Transient runs (`kelpie run`): not persisted, gone once they end. */
  readonly transient = new Set<string>();
  readonly keeper: KeeperClient;
  readonly startedAt = new Date().toISOString();
  readonly health = new Health();
  #gate: Gate | null = null;

  get gate(): Gate {
    if (!this.#gate) throw new KelpieError('KELPIE_E_UNREACHABLE', 'kelpie is still starting');
    return this.#gate;
  }
  readonly pidFiles = new PidFiles((svc, pid) => this.keeper.request({ t: 'adopt', service: svc.name, pid, req: this.#spawnRequest(svc.spec) }));
  readonly timers = new Timers((svc, message) => this.events.emit({ service: svc.name, type: 'note', message }));
  readonly orchestrator = new Orchestrator({
    get: (n) => this.services.get(n),
    graph: () => this.graph(),
    schedule: (svc, on) => (on ? this.timers.arm(svc) : this.timers.disarm(svc.name)),
  });
  readonly processGroups = new ProcessGroups({
    get: (n) => this.services.get(n),
    restart: (names) => this.orchestrator.restart(names),
    note: (svc, message) => this.events.emit({ service: svc.name, type: 'note', message }),
  });
  #graph: DepGraph | null = null;
  /** The start this controller made at boot; `up -d` reports its outcome instead of starting again. */
  #bootStart: Promise<Map<string, Outcome>> | null = null;
  /** Restart counts seen, to tell a respawn from a first start (on_dependency_restart). */
  readonly #seenRestarts = new Map<string, number>();
  #config!: Config;
  #hello!: Hello;
  #server: Server | null = null;
  #tlsServer: Server | null = null;
  #identity: NodeIdentity | null = null;
  /** "host:port" the TLS listener got (the port filled in when the config asked for 0). */
  #listening: string | null = null;
  #fleet!: Fleet;
  #store: StateStore;
  #followers = new Set<(l: LogEntry) => void>();
  #shuttingDown = false;
  /** Resource use, exit counts and log growth for the dashboard, top and /metrics. */
  readonly observer = new Observer({
    services: () => this.services.values(),
    logPath: (n) => this.paths.serviceLog(n),
    controllerRestarts: () => this.#hello.controllerStarts - 1,
  });
  #dashboard: Dashboard | null = null;

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
          // At first boot nothing runs yet: give up. Later, services run under the keeper and
          // must not be taken down by a config problem: exit, and the keeper retries (slower).
          if (m.firstBoot) void this.keeper.request({ t: 'ready-for-shutdown' });
          else process.exit(3);
        });
        return;
      case 'exit': {
        const svc = this.services.get(m.ev.service);
        const before = svc?.exits[0];
        svc?.dispatch({ type: 'exit', exit: m.ev });
        if (svc) this.observer.exited(svc, before);
        return;
      }
      case 'ready': {
        const svc = this.services.get(m.service);
        if (!svc) return;
        if (m.eof) svc.dispatch({ type: 'not-ready', why: 'closed its notification fd before it was ready' });
        else svc.readyFrom(m.pid);
        return;
      }
      case 'unready': {
        this.services.get(m.service)?.unreadyFrom(m.pid, m.why);
        return;
      }
      case 'log-error': {
        const svc = this.services.get(m.service);
        if (!svc) return;
        svc.logError = m.error ? { error: m.error, dropped: m.dropped, since: new Date().toISOString() } : null;
        this.events.emit({ service: svc.name, type: 'log-error', message: m.error ? `cannot write the log: ${m.error}; lines are dropped (${m.dropped} so far)` : `logging resumed; ${m.dropped} line(s) were dropped` });
        return;
      }
      case 'notify': {
        const svc = this.services.get(m.service);
        if (svc) applyNotify(svc, m.sender, m.fields, (message) => this.events.emit({ service: svc.name, type: 'note', message }), m.senderGroup);
        return;
      }
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
    removeStaleTemps(snapshot);
    const read = (path: string): Config => {
      const old = JSON.parse(readFileSync(path, 'utf8')) as Config;
      // A snapshot written by an older controller (before an upgrade) may lack newer fields.
      const services = Object.fromEntries(Object.entries(old.services).map(([n, spec]) => [n, withDefaults(spec)]));
      const dashboard = old.global.dashboard ?? { listen: '127.0.0.1:0', metrics: false };
      return { ...old, global: { ...old.global, dashboard }, services };
    };
    // The config `kelpie up` has just loaded and checked (src/cli/handoff.ts): loading it
    // again would cost a quarter of a second at a thousand services.
    const handoff = process.env.KELPIE_CONFIG_HANDOFF;
    if (firstBoot && handoff) {
      try {
        const config = read(handoff);
        if (config.file !== this.configFile) throw new Error('another config');
        renameSync(handoff, snapshot);
        return config;
      } catch {
        rmSync(handoff, { force: true });
      }
    }
    if (!firstBoot) {
      try {
        return read(snapshot);
      } catch {
        this.say('no config snapshot; reading the config file again');
      }
    }
    const r = loadConfig(this.configFile);
    if (!r.ok) throw new Error(`invalid config:\n${r.issues.map(formatIssue).join('\n')}`);
    // Read back only by a controller this keeper restarts, on this boot: no fsync needed.
    writeFileAtomic(snapshot, JSON.stringify(r.config), 0o600, { durable: false });
    return r.config;
  }

  async #boot(hello: Hello): Promise<void> {
    if (hello.protocol !== KEEPER_PROTOCOL) {
      throw new Error(`the keeper speaks protocol ${hello.protocol}, this controller ${KEEPER_PROTOCOL}; restart kelpie (down, up)`);
    }
    this.#hello = hello;
    this.keeper.batchSignals = hello.features?.includes('signals') ?? false;
    this.#config = this.#loadConfig(hello.firstBoot);
    this.#fleet = new Fleet(this.paths.home, (m) => this.say(m));
    this.#fleet.configure(this.#config);
    const persisted = readState(this.paths.state, (m) => this.say(m));
    const live = new Map(hello.table.map((e) => [e.service, e]));
    const toStart: Service[] = [];
    for (const [name, spec] of Object.entries(persisted.registered ?? {})) {
      if (!this.#config.services[name]) this.registered.set(name, spec);
    }
    // Transient runs outlive a controller restart, not a fresh `up` (the keeper is new then).
    const transient = hello.firstBoot ? [] : Object.values(persisted.transient ?? {}).filter((t) => !this.#config.services[t.name]);
    for (const t of transient) this.transient.add(t.name);
    for (const spec of [...Object.values(this.#config.services), ...this.registered.values(), ...transient]) {
      const svc = this.#makeService(spec);
      restore(svc, persisted.services[spec.name], !hello.firstBoot);
      if (svc instanceof RemoteService) {
        // No process to reconcile: the link mirrors the remote state once it connects.
        if (hello.firstBoot && svc.meantToRun) toStart.push(svc);
        continue;
      }
      const adopted = live.get(spec.name);
      if (hello.firstBoot && adopted) {
        // A new keeper re-adopted this service's process from a killed keeper: carry on with it.
        restore(svc, persisted.services[spec.name], true);
        reconcile(svc, adopted, []);
      } else if (hello.firstBoot) {
        if (svc.meantToRun) toStart.push(svc);
      } else if (reconcile(svc, live.get(spec.name), hello.missed)) {
        toStart.push(svc);
      }
    }
    // A re-adopted process whose service is no longer defined: stop it, as a reload would.
    for (const e of hello.table) {
      if (this.services.has(e.service)) continue;
      this.say(`pid ${e.pid} belongs to ${e.service}, which is no longer defined: stopping it`);
      void this.keeper.signal(e.pid, 'SIGTERM').catch(() => {});
      setTimeout(() => void this.keeper.signal(e.pid, 'SIGKILL').catch(() => {}), 10_000).unref();
    }
    if (hello.dropped > 0) this.say(`${hello.dropped} exit events were dropped while no controller ran`);
    this.#identity = loadIdentity(this.paths.home);
    this.#gate = new Gate(this.paths.home, this.#identity.fingerprint);
    this.#server = await listen(this, this.paths.socket);
    this.#dashboard = new Dashboard(this, this.#config.global.dashboard, fileURLToPath(new URL('./web/', import.meta.url)), `${this.paths.home}/dashboard.json`);
    const dashboard = this.#dashboard;
    const metrics = this.#config.global.dashboard.metrics;
    const opened = (o: string): void => this.say(`dashboard and metrics at ${o}`);
    const failed = (err: unknown): void => this.say((err as Error).message);
    if (hello.firstBoot) {
      dashboard.forget();
      if (metrics) await dashboard.open().then(opened, failed);
    } else {
      // The previous controller's listener and sessions, so an open page reconnects by
      // itself. Not awaited: the port may take a moment to be free.
      void dashboard.resume().then((again) => {
        if (again) this.say(`dashboard at ${again.origin} again, ${again.sessions} session(s) kept`);
        else if (metrics) return dashboard.open().then(opened, failed);
      });
    }
    await this.#listenTls();
    for (const s of this.services.values()) if (s instanceof RemoteService) s.attach();
    this.#fleet.openConfigured(this.#config);
    this.events.emit({ service: null, type: 'controller-started', message: hello.firstBoot ? 'first boot' : 'reconnected to keeper' });
    this.say(`${hello.firstBoot ? 'started' : 'restarted'}; ${this.services.size} service(s), ${hello.table.length} process(es) adopted`);
    {
      // What the old controller ran beside the processes: probes, watchdogs, timer schedules
      // (after a fresh keeper, only for the services whose processes it re-adopted).
      for (const svc of this.services.values()) {
        if (hello.firstBoot && !live.has(svc.name)) continue;
        this.health.changed(svc);
        this.pidFiles.changed(svc);
        if (svc.state === 'running') svc.kickWatchdog();
        if (svc.spec.kind === 'timer' && svc.enabled && svc.wanted !== 'down') this.timers.arm(svc);
      }
    }
    this.#bootStart = this.orchestrator.start(toStart.map((x) => x.name));
    if (process.env.NOTIFY_SOCKET) void this.#bootStart.then((m) => this.#notifyManager(m));
    if (process.env.KELPIE_WATCH === '1') this.#watch();
    this.#store.save();
    process.on('SIGTERM', () => this.#exitQuietly());
  }

  /** [api] listen: the same API over TLS 1.3. A port taken is logged; the socket still serves. */
  async #listenTls(): Promise<void> {
    const listen = this.#config.global.listen ?? null;
    if (listen === null || this.#tlsServer) return;
    const l = parseListen(listen);
    if (!l.ok) return;
    // With port 0, a new controller (crash, upgrade) asks for the port its predecessor had, so
    // URLs handed out keep working; only a new keeper (kelpie up) takes any free port again.
    const portFile = `${this.paths.home}/api-port`;
    let port = l.port;
    if (port === 0 && !this.#hello.firstBoot) {
      let prev = NaN;
      try {
        prev = Number(readFileSync(portFile, 'utf8').trim());
      } catch {
        // none recorded
      }
      if (Number.isInteger(prev) && prev > 0 && prev < 65536) port = prev;
    }
    // The controller being replaced may still hold the port for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await listenTls(this, l.host, port, { key: this.#identity!.keyPem, cert: this.#identity!.certPem });
        this.#tlsServer = r.server;
        this.#listening = `${l.host.includes(':') ? `[${l.host}]` : l.host}:${r.port}`;
        if (l.port === 0) writeFileAtomic(portFile, `${r.port}\n`);
        this.say(`listening on ${this.#listening} (TLS 1.3); node fingerprint ${this.#identity!.fingerprint}`);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' && !this.#hello.firstBoot && attempt < 25) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        if (code === 'EADDRINUSE' && port !== l.port) {
          port = l.port; // the old port is someone else's now: take any
          continue;
        }
        this.say(`cannot listen on ${listen}: ${code ?? (err as Error).message}; the API is on the socket only`);
        return;
      }
    }
  }

  /** Every remote node this daemon links to, with what it sees of each. */
  fleetView(): FleetNode[] {
    return this.#fleet.view();
  }

  #makeService(spec: ServiceSpec): Service {
    const host: ConstructorParameters<typeof Service>[1] = {
      spawn: (s) => {
        // Leftovers of an earlier run would look like this run's readiness.
        removeStaleSockets(s.sockets);
        if (s.pidFile) rmSync(s.pidFile, { force: true });
        return this.keeper.spawn(this.#spawnRequest(s));
      },
      signal: (pid, signal) => this.keeper.signal(pid, signal),
      changed: (sv, reason) => {
        this.events.emit({ service: sv.name, type: 'state', state: sv.state, pid: sv.pid, ...(reason ? { message: reason } : {}) });
        this.#store.save();
        if (sv.state === 'running') this.#dependencyRestarted(sv);
        this.health.changed(sv);
        this.pidFiles.changed(sv);
        this.timers.changed(sv);
        if (sv.spec.processOf !== null) this.processGroups.changed(sv);
        if (this.transient.size) queueMicrotask(() => this.#forgetIfTransient(sv));
      },
      note: (sv, message) => this.events.emit({ service: sv.name, type: 'note', message }),
      readiness: (sv) => {
        this.events.emit({ service: sv.name, type: sv.unready === null ? 'ready' : 'unready', state: sv.state, pid: sv.pid, message: sv.unready ?? 'ready again' });
        this.#store.save();
        if (sv.spec.processOf !== null) this.processGroups.changed(sv);
      },
    };
    let svc: Service;
    if (spec.remote) {
      const l = this.#fleet.link(spec.remote.node);
      const proxy = new RemoteService(spec, host, l.link, l.link ? '' : l.why);
      // At boot, attached once the persisted state is restored; later (reload, add) at once.
      if (this.#gate) queueMicrotask(() => proxy.attach());
      svc = proxy;
    } else {
      svc = new Service(spec, host);
    }
    svc.onLauncherDone = () => void this.pidFiles.check(svc);
    this.services.set(spec.name, svc);
    this.#seenRestarts.set(spec.name, svc.restarts);
    this.#graph = null;
    return svc;
  }

  /** The graph as a caller sees it: only the services `see` allows, and only edges between two
   *  of them, in every form (text, dot, nodes, edges), so no form names a hidden service. */
  graphView(see: Visible): GraphResult {
    const g = this.graph();
    const names = g.names.filter((name) => see(name));
    const nodes = names.map((name) => ({ name, kind: g.spec(name).kind }));
    const edges = names.flatMap((name) => edgesOf(g, name).filter((e) => see(e.to)).map((e) => ({ from: name, to: e.to, label: e.label })));
    return { text: toText(g, see), dot: toDot(g, see), nodes, edges };
  }

  #unwatch: (() => void) | null = null;

  /** up --watch: reload whenever a config file changes (a broken edit changes nothing). */
  #watch(): void {
    this.#unwatch?.();
    this.#unwatch = watchFiles(this.#config.files, () => {
      this.reload(false, []).then(
        (r) => {
          this.say(`config changed: reloaded (+${r.plan.added.length} -${r.plan.removed.length} ~${r.plan.changed.length})`);
          this.#watch(); // includes may have changed
        },
        (err: unknown) => {
          const e = err as KelpieError;
          this.events.emit({ service: null, type: 'reload-failed', message: e.message });
          this.say(`config changed but not applied: ${e.message}${Array.isArray(e.details) ? `\n${e.details.join('\n')}` : ''}`);
        },
      );
    });
  }

  /** Under systemd (Type=notify): READY=1 once the boot start settled, with a summary. */
  #notifyManager(outcomes: Map<string, Outcome>): void {
    const failed = [...outcomes].filter(([, o]) => !o.ok).map(([n]) => n);
    const status = `${outcomes.size - failed.length} service(s) started${failed.length ? `; failed: ${failed.join(', ')}` : ''}`;
    try {
      UnixDgram.send(process.env.NOTIFY_SOCKET!, `READY=1\nSTATUS=${status}\nMAINPID=${this.#hello.keeperPid}\n`);
    } catch (err) {
      this.say(`cannot notify the service manager: ${(err as Error).message}`);
    }
  }

  /** The dependency graph of the services defined now (rebuilt after any change of them). */
  graph(): DepGraph {
    this.#graph ??= new DepGraph(Object.fromEntries([...this.services.values()].map((s) => [s.name, s.spec])));
    return this.#graph;
  }

  /** A required service came back after a respawn: restart dependents that asked for it. */
  #dependencyRestarted(svc: Service): void {
    const before = this.#seenRestarts.get(svc.name) ?? 0;
    this.#seenRestarts.set(svc.name, svc.restarts);
    if (svc.state !== 'running' || svc.restarts <= before) return;
    const g = this.graph();
    // A process of a multi-process service is followed by ProcessGroups, not restarted with.
    const dependents = g.dependentsOf(svc.name).filter((d) => d !== svc.spec.processOf && g.spec(d).onDependencyRestart === 'restart' && this.services.get(d)?.state === 'running');
    if (dependents.length === 0) return;
    this.events.emit({ service: svc.name, type: 'note', message: `restarted; restarting ${dependents.join(', ')} (on_dependency_restart)` });
    void this.orchestrator.restart(dependents);
  }

  #spawnRequest(s: ServiceSpec): SpawnRequest {
    const r = readinessFor(this.paths.home, s);
    return {
      service: s.name,
      argv: wrapCommand(s),
      cwd: s.cwd,
      env: { ...serviceEnv(s), ...r.env },
      log: s.log,
      readiness: r.readiness,
      ...(s.pidFile ? { daemonizes: true } : {}),
      stop: { signal: s.stop.signal, timeoutMs: s.stop.timeout },
    };
  }

  #snapshot(): { services: Record<string, PersistedService>; registered: Record<string, ServiceSpec>; transient: Record<string, ServiceSpec> } {
    const out: Record<string, PersistedService> = {};
    for (const s of this.services.values()) {
      out[s.name] = {
        state: s.state, since: s.since, reason: s.reason, enabled: s.enabled, wanted: s.wanted, pending: s.pending,
        pid: s.pid, startTime: s.startTime, spawnedAt: s.spawnedAt, readyAt: s.readyAt, restarts: s.restarts,
        failures: s.failures, exits: s.exits,
      };
    }
    const transient = Object.fromEntries([...this.transient].flatMap((n) => (this.services.has(n) ? [[n, this.services.get(n)!.spec]] : [])));
    return { services: out, registered: Object.fromEntries(this.registered), transient };
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
        build: BUILD,
        keeper_version: this.#hello.keeperVersion,
        keeper_build: this.#hello.keeperBuild,
        home: this.paths.home,
        config: this.#config.file,
        started_at: this.#hello.startedAt,
        controller_started_at: this.startedAt,
        controller_restarts: this.#hello.controllerStarts - 1,
        node: { fingerprint: this.#identity?.fingerprint ?? '', listen: this.#listening },
        event_seq: this.events.lastSeq,
      },
      services: [...this.services.values()].map((s) => ({
        name: s.name, state: s.state, since: s.since, pid: s.pid, restarts: s.restarts, reason: s.reason, unready: s.unready,
        autostart: s.spec.autostart, enabled: s.enabled,
        readiness: s.spec.processes.length ? `all ${s.spec.processes.length} processes ready` : describeReady(s.spec.ready, s.spec.sockets),
        timeToReadyMs: s.pid && s.readyAt && s.spawnedAt ? Date.parse(s.readyAt) - Date.parse(s.spawnedAt) : null,
        ...(s.spec.remote ? { remote: { node: s.spec.remote.node, service: s.spec.remote.service } } : {}),
      })),
    };
  }

  detail(name: string, lines: number): ServiceDetail {
    const s = this.#service(name);
    const logFile = this.paths.serviceLog(name);
    const rows = this.status().services;
    return {
      ...rows.find((x) => x.name === name)!,
      command: s.spec.command, cwd: s.spec.cwd, restartPolicy: s.spec.restart, spawnedAt: s.pid ? s.spawnedAt : null,
      readyAt: s.pid ? s.readyAt : null, nextRestartAt: s.nextRestartAt, exits: s.exits, logFile,
      logLines: tailLines(logFile, lines).map((l) => parseStored(name, l)), source: s.spec.source, pending: s.pending !== null,
      kind: s.spec.kind, requires: s.spec.requires.map((r) => ({ service: r.service, condition: r.condition })),
      wants: s.spec.wants, after: s.spec.after, provides: s.spec.provides, requiredBy: this.graph().dependentsOf(name),
      timer: this.timers.info(s),
      logError: s.logError,
      statusText: s.statusText, lastProbe: s.lastProbe,
      processes: s.spec.processes.flatMap((p) => rows.filter((x) => x.name === p)),
    };
  }

  expand(names: readonly string[] | 'all' | 'wanted'): string[] {
    return this.#pick(names).map((s) => s.name);
  }

  namesIn(file: string): string[] {
    const r = statSync(file, { throwIfNoEntry: false })?.isFile() ? loadConfig(file) : null;
    return r && r.ok ? Object.keys(r.config.services) : [];
  }

  #pick(names: readonly string[] | 'all' | 'wanted'): Service[] {
    if (names === 'all') return [...this.services.values()];
    if (names === 'wanted') return [...this.services.values()].filter((s) => s.meantToRun);
    return names.map((n) => this.#service(n));
  }

  async act(action: Action, names: readonly string[] | 'all' | 'wanted', wait: boolean, timeoutMs: number): Promise<ActionOutcome[]> {
    const picked = this.#pick(names);
    for (const s of picked) s.requests++;
    // What a person asks for is remembered across restarts of kelpie; `up` asks for nothing.
    if (names !== 'wanted') {
      for (const s of picked) {
        if (action === 'start' || action === 'restart') s.wanted = 'up';
        if (action === 'stop') s.wanted = 'down';
      }
      // Durable before acting: a controller killed mid-request must not undo what was asked.
      this.#store.flush();
    }
    const list = picked.map((s) => s.name);
    let work: Promise<Map<string, Outcome>>;
    switch (action) {
      case 'start':
        work = names === 'wanted' && this.#bootStart ? this.#bootStart : this.orchestrator.start(list);
        break;
      case 'stop':
        work = this.orchestrator.stop(list);
        break;
      case 'restart': {
        const gens = picked.map((s) => s.requests);
        work = this.orchestrator.restart(list, () => picked.every((s, i) => s.requests === gens[i]));
        break;
      }
      case 'enable':
        for (const s of picked) s.dispatch({ type: 'enable' });
        work = Promise.resolve(new Map(picked.map((s) => [s.name, { ok: true, state: s.state, message: 'enabled' }])));
        break;
      case 'disable':
        work = this.orchestrator.stop(list).then((m) => {
          for (const s of picked) s.dispatch({ type: 'disable' });
          for (const s of picked) m.set(s.name, { ok: s.state === 'disabled', state: s.state, message: s.state });
          return m;
        });
        break;
    }
    if (!wait) return picked.map((s) => ({ name: s.name, ok: true, state: s.state, message: 'requested' }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
    const done = await Promise.race([work, timedOut]);
    clearTimeout(timer);
    if (done === null) {
      // Out of time: report each requested service as it is now.
      const up = action === 'start' || action === 'restart';
      return picked.map((s) => {
        const ok = up ? s.state === 'running' || s.state === 'done' : ['stopped', 'failed', 'disabled', 'done'].includes(s.state);
        return { name: s.name, ok, state: s.state, message: ok ? s.state : `still ${s.state} after ${timeoutMs} ms` };
      });
    }
    // Requested services first, then what the dependency rules pulled in.
    const order = [...list, ...[...done.keys()].filter((n) => !list.includes(n))];
    return order.map((n) => ({ name: n, ...(done.get(n) ?? { ok: true, state: this.services.get(n)!.state, message: '' }) }));
  }

  async signal(name: string, signal: string): Promise<void> {
    const s = this.#service(name);
    const sig = signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
    if (!(sig in osConstants.signals)) throw new KelpieError('KELPIE_E_BAD_REQUEST', `unknown signal ${JSON.stringify(signal)}`, 'use a name like TERM, HUP, USR1 or SIGKILL');
    // A remote service's process is on its node: the signal goes there.
    if (s instanceof RemoteService) return s.signalRemote(sig);
    if (s.pid === null) throw new KelpieError('KELPIE_E_NOT_RUNNING', `service "${name}" has no running process`);
    try {
      await this.keeper.signal(s.pid, sig);
    } catch (err) {
      throw new KelpieError('KELPIE_E_KEEPER', `cannot send ${sig} to ${name}: ${(err as Error).message}`);
    }
  }

  /** Names with, after each multi-process service, its processes (whose output it is). */
  #withProcesses(names: readonly string[]): string[] {
    return [...new Set(names.flatMap((n) => [n, ...this.#service(n).spec.processes]))];
  }

  /**
   * The last `n` lines of `names` (all local services when empty), merged by time. A remote
   * service named here has its lines fetched from its node (with its URL's capability).
   */
  async logs(names: readonly string[], n: number): Promise<LogEntry[]> {
    const picked = names.length ? this.#withProcesses(names).map((x) => this.#service(x)) : [...this.services.values()];
    const remote = picked.filter((s): s is RemoteService => s instanceof RemoteService && names.length > 0);
    const local = mergedTail(picked.filter((s) => !(s instanceof RemoteService)).map((s) => ({ service: s.name, path: this.paths.serviceLog(s.name) })), n);
    if (remote.length === 0) return local;
    const all = [local, ...(await Promise.all(remote.map((s) => s.remoteLogs(n))))].flat();
    // Stable: each source keeps its own order for equal times (nodes' clocks are their own).
    all.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    return all.slice(-n);
  }

  /**
   * The last `n` lines of `names` (all services when empty), then every new line as it is
   * written: none lost between the two and none twice. The keeper answers the `follow`
   * request with where each log file ends at that moment; every line written after it is
   * sent, and arrives after the answer (one ordered channel). So lines that arrive before the
   * answer are dropped (the files hold them), the tail is read up to those marks, and the
   * lines that arrive after are passed on. Returns the function that stops following.
   */
  async followLogs(names: readonly string[], n: number, f: (e: LogEntry) => void, ended: (why: string) => void = () => {}): Promise<() => void> {
    const named = names.length ? this.#withProcesses(names) : [...this.services.keys()];
    // Remote services (named ones only): their node's stream, opened first so that a refusal
    // fails the request; their lines wait until the local tail has been passed on.
    const remote = names.length ? named.map((x) => this.#service(x)).filter((s): s is RemoteService => s instanceof RemoteService) : [];
    const ac = new AbortController();
    let pending: LogEntry[] | null = [];
    try {
      await Promise.all(remote.map((s) => s.followRemote(n, (l) => (pending ? pending.push(l) : f(l)), ac.signal, ended)));
    } catch (err) {
      ac.abort();
      throw err;
    }
    const stopRemote = (): void => ac.abort();
    const picked = named.filter((x) => !(this.services.get(x) instanceof RemoteService));
    if (picked.length === 0 && names.length) {
      for (const l of pending) f(l);
      pending = null;
      return stopRemote;
    }
    const filter = new Set(names.length ? picked : []);
    let phase: 'before' | 'held' | 'live' = 'before';
    const held: LogEntry[] = [];
    const g = (e: LogEntry): void => {
      if (phase === 'before' || (filter.size !== 0 && !filter.has(e.service))) return;
      if (phase === 'held') held.push(e);
      else f(e);
    };
    this.#followers.add(g);
    // Attached to the request itself: it runs in the order of the keeper's messages, before
    // any line sent after the answer is handed to g (events are delivered as microtasks too).
    const marks = await this.keeper.request<FollowMarks | undefined>({ t: 'follow', on: true, services: picked }).then(
      (m) => ((phase = 'held'), m),
      () => ((phase = 'held'), undefined),
    );
    const files = picked.map((s) => ({ service: s, path: this.paths.serviceLog(s), ...(marks?.[s] ? { mark: marks[s] } : {}) }));
    for (const l of mergedTail(files, n)) f(l);
    for (const l of held) f(l);
    phase = 'live';
    for (const l of pending) f(l);
    pending = null;
    return () => {
      stopRemote();
      if (!this.#followers.delete(g)) return;
      if (this.#followers.size === 0) void this.keeper.request({ t: 'follow', on: false }).catch(() => {});
    };
  }

  /** Re-reads the config file and applies the difference (or only plans it). */
  async reload(dryRun: boolean, defer: readonly string[]): Promise<ReloadResult> {
    const r = loadConfig(this.configFile);
    const issues = r.ok ? hostIssues(r.config) : r.issues;
    if (!r.ok || issues.length) {
      throw new KelpieError('KELPIE_E_CONFIG', `invalid config ${this.configFile}: ${issues.length} problem(s); nothing was changed`, 'fix it and reload again; check with kelpie check', issues.map(formatIssue));
    }
    for (const name of defer) if (!r.config.services[name] && !this.services.has(name)) this.#service(name);
    const clash = Object.keys(r.config.services).filter((n) => this.registered.has(n));
    if (clash.length) {
      throw new KelpieError('KELPIE_E_CONFIG', `the config now defines ${clash.join(', ')}, already registered at runtime; nothing was changed`, `kelpie remove ${clash[0]} first`);
    }
    const current = Object.fromEntries(
      [...this.services.values()].filter((s) => !this.registered.has(s.name) && !this.transient.has(s.name)).map((s) => [s.name, s.pending ?? s.spec]),
    );
    const plan = diffServices(current, r.config.services);
    if (dryRun) return { plan, applied: [] };
    this.#config = r.config;
    this.#fleet.configure(r.config);
    writeFileAtomic(`${this.paths.home}/config.json`, JSON.stringify(r.config));
    this.events.emit({ service: null, type: 'reload', message: `+${plan.added.length} -${plan.removed.length} ~${plan.changed.length}` });
    const applied = await applyPlan(this.#reloadHost(), plan, r.config.services, new Set(defer));
    this.#store.save();
    await this.#listenTls(); // [api] listen added by this reload (a changed address needs a restart)
    this.#fleet.prune(r.config);
    this.#fleet.openConfigured(r.config);
    return { plan, applied };
  }

  /** Registers the services defined in `file` at runtime (persisted, kept across reloads). */
  async add(file: string): Promise<Applied[]> {
    // A FIFO or device would block the controller in a synchronous read.
    let regular = false;
    try {
      regular = statSync(file).isFile();
    } catch {
      throw new KelpieError('KELPIE_E_CONFIG', `cannot read ${file}: no such file`);
    }
    if (!regular) throw new KelpieError('KELPIE_E_CONFIG', `${file} is not a regular file`);
    const r = loadConfig(file);
    if (!r.ok) throw new KelpieError('KELPIE_E_CONFIG', `invalid service file ${file}: ${r.issues.length} problem(s); nothing was added`, undefined, r.issues.map(formatIssue));
    const names = Object.keys(r.config.services);
    if (names.length === 0) throw new KelpieError('KELPIE_E_CONFIG', `${file} defines no service`);
    const taken = names.filter((n) => this.services.has(n));
    if (taken.length) throw new KelpieError('KELPIE_E_CONFIG', `already defined: ${taken.join(', ')}; nothing was added`, 'pick another name, or kelpie remove it first');
    for (const n of names) this.registered.set(n, r.config.services[n]!);
    this.#store.flush();
    const plan = { added: names, removed: [], changed: [], unchanged: [] };
    const applied = await applyPlan(this.#reloadHost(), plan, r.config.services, new Set());
    this.#store.save();
    return applied;
  }

  /** Stops and forgets a runtime-registered service. */
  async remove(name: string): Promise<Applied[]> {
    this.#service(name);
    if (!this.registered.has(name)) {
      const why = this.transient.has(name) ? 'a transient run (kelpie run); stop it with kelpie stop' : 'defined in the config file; delete it there and run kelpie reload';
      throw new KelpieError('KELPIE_E_CONFIG', `"${name}" was not added with kelpie add`, why);
    }
    const applied = await applyPlan(this.#reloadHost(), { added: [], removed: [name], changed: [], unchanged: [] }, {}, new Set());
    this.registered.delete(name);
    this.#fleet.prune(this.#config);
    this.#store.flush();
    return applied;
  }

  /** Runs a timer now (overlap rules apply). */
  trigger(name: string): ActionOutcome {
    const svc = this.#service(name);
    if (svc.spec.kind !== 'timer') throw new KelpieError('KELPIE_E_BAD_REQUEST', `"${name}" is not a timer`, 'use kelpie start or restart for other services');
    const r = this.timers.trigger(svc);
    return { name, ok: r !== 'skipped', state: svc.state, message: r === 'skipped' ? 'a run is still going (overlap = "skip")' : r };
  }

  /** Starts an ad-hoc supervised process; it is forgotten once it ends. */
  async run(r: RunRequest): Promise<ActionOutcome> {
    const name = r.name ?? `run-${Date.now().toString(36)}`;
    if (this.services.has(name)) throw new KelpieError('KELPIE_E_BAD_REQUEST', `a service named "${name}" exists already`, 'pick another --name');
    const env = { ...r.env };
    const svc = this.#makeService(transientSpec(name, { ...r, env }, this.#config.global.log));
    this.transient.add(name);
    // Written before its process exists: a controller killed right after must still know it
    // (routine state writes wait up to 100 ms).
    this.#store.flush();
    const o = await svc.start();
    return { name, ...o };
  }

  /** A transient run ended: its exit is in the event history; the service itself goes. */
  #forgetIfTransient(svc: Service): void {
    if (!this.transient.has(svc.name) || !['stopped', 'failed', 'done'].includes(svc.state)) return;
    const exit = svc.exits[0];
    this.events.emit({ service: svc.name, type: 'transient-ended', state: svc.state, ...(exit ? { exit } : {}), message: svc.reason ?? 'ended' });
    svc.dispose();
    this.transient.delete(svc.name);
    this.services.delete(svc.name);
    this.#graph = null;
    this.#store.save();
  }

  /** Hands over to a controller running the code now installed; services are untouched. */
  upgrade(): void {
    this.events.emit({ service: null, type: 'upgrade', message: `controller ${process.pid} (build ${BUILD}) hands over` });
    this.#store.flush();
    setImmediate(() => void this.keeper.request({ t: 'replace-controller' }).catch(() => {}));
  }

  #reloadHost(): ReloadHost {
    return {
      service: (n) => this.services.get(n),
      create: (spec) => {
        const svc = this.#makeService(spec);
        this.#store.save();
        return svc;
      },
      forget: (n) => {
        this.timers.disarm(n);
        this.services.delete(n);
        this.#graph = null;
        this.registered.delete(n);
        this.events.emit({ service: n, type: 'removed' });
      },
      invalidate: () => {
        this.#graph = null;
      },
      restart: async (n) => (await this.orchestrator.restart([n])).get(n) ?? { ok: false, state: 'stopped', message: 'not restarted' },
      start: (names) => this.orchestrator.start(names),
      logLimits: (svc) => this.keeper.request({ t: 'log-limits', service: svc.name, maxBytes: svc.spec.log.maxBytes, keep: svc.spec.log.keep }),
    };
  }

  usage(): UsageSample {
    return this.observer.sample();
  }

  watchUsage(f: (s: UsageSample) => void): () => void {
    return this.observer.usage.watch(f);
  }

  metrics(visible: (service: string) => boolean): string {
    return this.observer.metrics(visible);
  }

  async dashboardLink(token: string): Promise<DashboardLink> {
    if (!this.#dashboard) throw new KelpieError('KELPIE_E_UNREACHABLE', 'kelpie is still starting');
    return this.#dashboard.link(token);
  }

  subscribe(f: (e: KelpieEvent) => void): () => void {
    return this.events.subscribe(f);
  }

  eventsSince(seq: number): KelpieEvent[] {
    return this.events.since(seq);
  }

  shutdownPlan(): ShutdownPlan {
    const all = [...this.services.values()];
    const stopping = all.filter((s) => !s.spec.remote).map((s) => s.spec.name);
    return { keeper_pid: this.#hello.keeperPid, stopping, remote: all.length - stopping.length };
  }

  shutdown(): void {
    void this.#shutdown('requested through the API');
  }

  /** Set once an ordered shutdown has written the state for the last time. */
  #stateFinal = false;

  /** Ordered shutdown: every service stopped, state written, then the keeper may exit. */
  async #shutdown(reason: string): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.say(`shutting down (${reason})`);
    this.events.emit({ service: null, type: 'shutdown', message: reason });
    // Dependents first, in reverse dependency order; independent branches in parallel.
    // Remote services are left as they are: the other nodes are autonomous (docs/fleet.md).
    // If the ordered stop fails (a bug), every local service is still stopped: a shutdown
    // must finish.
    try {
      await this.orchestrator.stop([...this.services.keys()], { keepRemote: true });
    } catch (err) {
      this.say(`ordered stop failed (${(err as Error).message}); stopping every service directly`);
      await Promise.all([...this.services.values()].filter((s) => !s.spec.remote).map((s) => s.stop()));
    }
    this.#store.flush();
    this.#stateFinal = true;
    this.observer.stop();
    this.#dashboard?.close();
    this.#fleet.close();
    this.#tlsServer?.close();
    this.#server?.close();
    await this.keeper.request({ t: 'ready-for-shutdown' }).catch(() => {});
  }

  /** SIGTERM from the keeper: hand over (upgrade or shutdown); processes stay with the keeper. */
  #exitQuietly(): void {
    this.#unwatch?.();
    this.pidFiles.stopAll();
    this.health.stopAll();
    this.timers.stopAll();
    for (const s of this.services.values()) s.dispose();
    this.#fleet?.close();
    // After an ordered shutdown the state is written already, and nothing changes it since.
    if (!this.#stateFinal) this.#store.flush();
    this.observer.stop();
    this.#dashboard?.close();
    this.#server?.close();
    process.exit(0);
  }
}
