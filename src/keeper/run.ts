// Runs a keeper for one home until an ordered shutdown ends it. Used by `kelpie up`
// (in-process, foreground) and by dist/keeper.js (the detached daemon).
import { mkdirSync, rmSync } from 'node:fs';
import { homePaths } from '../protocol/home.js';
import type { LogLine } from '../protocol/keeper.js';
import { foregroundPrinter } from './foreground.js';
import { Keeper } from './keeper.js';
import { escapedOf, killEscaped } from './escaped.js';
import { claimPidFile, releasePidFile } from './pidfile.js';
import { daemonEnv } from '../os/daemon-env.js';

/** What `runKeeper` needs. */
export interface RunKeeperOptions {
  readonly home: string;
  readonly config: string;
  readonly controllerEntry: string;
  readonly version: string;
  readonly foreground: boolean;
  /** Reload when the config files change. */
  readonly watch?: boolean;
  /** Colour the foreground prefixes (default: on a terminal, unless NO_COLOR). */
  readonly color?: boolean;
  /** More variables for the controller (the CLI's config handoff). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Resolves with the process exit code once kelpie has shut down. */
export async function runKeeper(o: RunKeeperOptions): Promise<number> {
  const paths = homePaths(o.home);
  mkdirSync(o.home, { recursive: true, mode: 0o700 });
  const holder = claimPidFile(paths.keeperPid);
  if (holder !== null) {
    process.stderr.write(`kelpie: error: cannot start: a keeper (pid ${holder}) already runs for ${o.home}\n`);
    return 1;
  }
  const say = (text: string): void => {
    process.stderr.write(`${new Date().toISOString()} kelpie[keeper ${process.pid}]: ${text}\n`);
  };
  // The keeper holds every service: it logs its own bugs and carries on rather than orphan them.
  process.on('uncaughtException', (err) => say(`uncaught exception: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => say(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));
  const printer = o.foreground ? foregroundPrinter(process.stdout, o.color) : null;
  const keeper = new Keeper({
    home: o.home,
    version: o.version,
    controllerEntry: o.controllerEntry,
    // Without what only slows a Node start down (os/daemon-env.ts); services still get it.
    controllerEnv: daemonEnv({
      ...process.env,
      KELPIE_HOME: o.home,
      KELPIE_CONFIG: o.config,
      ...(o.watch ? { KELPIE_WATCH: '1' } : {}),
      KELPIE_KEEPER_PID: String(process.pid),
      ...o.env,
    }),
    onLine: printer ? (l: LogLine) => printer(l) : undefined,
    say,
  });
  if (process.env.NOTIFY_SOCKET || process.env.INVOCATION_ID) {
    say(`started by systemd${process.env.NOTIFY_SOCKET ? ' (Type=notify: READY=1 follows once the services are up)' : ''}`);
  }
  if (process.pid === 1) say('running as PID 1: reaping orphans, SIGTERM/SIGINT stop everything in order');
  if (!keeper.subreaper) say('not a child subreaper (no koffi/prctl): orphans of services go to init');

  return new Promise<number>((resolve) => {
    let finishing = false;
    let exitCode = 0;
    const finish = async (): Promise<void> => {
      if (finishing) return;
      finishing = true;
      await keeper.link.stop();
      if (keeper.table.size > 0) {
        exitCode = 1;
        say(`stopping ${keeper.table.size} service process(es) without a controller`);
        await keeper.stopAll();
      } else {
        await keeper.drained();
      }
      // Anything of a service that escaped its group and outlived it goes with kelpie.
      killEscaped(escapedOf(null, (p) => keeper.table.get(p) !== undefined));
      keeper.readiness.close();
      rmSync(paths.socket, { force: true });
      releasePidFile(paths.keeperPid);
      resolve(exitCode);
    };
    keeper.onShutdownDone = () => void finish();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals === 1 && keeper.link.connected) {
        say(`${sig}: asking the controller for an ordered shutdown`);
        keeper.link.send({ t: 'shutdown', reason: sig });
        return;
      }
      say(`${sig}: stopping every service now`);
      void finish();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', () => say('SIGHUP ignored (use kelpie reload)'));
    // A shutdown the controller never finishes (it died during it) is completed by the keeper.
    keeper.link.onGone = () => {
      if (signals > 0 || finishing) void finish();
    };
    // Services a killed keeper of this home left running are taken back before the controller
    // starts, so it adopts them instead of starting them a second time.
    const readopted = keeper.readopt();
    if (readopted) say(`${readopted} process(es) of a previous keeper re-adopted`);
    keeper.start();
  });
}
