// kelpie up [-d]: start the supervisor for a project. In the foreground this process
// becomes the keeper and prints every service's output; with -d it starts a detached
// keeper and returns once the autostart services have started (or failed).
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { homePaths } from '../../protocol/home.js';
import { KelpieError } from '../../protocol/errors.js';
import type { ActionOutcome } from '../../protocol/api.js';
import { Client } from '../../client/client.js';
import type { Command } from '../command.js';
import { loadOrThrow } from '../config.js';
import { c, out, printJson, stateText, style } from '../output.js';
import { VERSION } from '../version.js';
import { showProgress } from '../progress.js';
import { handOff } from '../handoff.js';
import { KEEPER_NODE_FLAGS, withNodeFlags } from '../../os/node-flags.js';
import { daemonEnv } from '../../os/daemon-env.js';
import { execve } from '../../os/reexec.js';

/** Set for the `kelpie up` this one turns into: it is the keeper already, run as a daemon would be. */
const REEXEC = 'KELPIE_FOREGROUND_EXEC';

/**
 * In the foreground the keeper runs in this process, which started as a CLI: without the
 * daemon's V8 flags (src/os/node-flags.ts) its heap at 1000 services was 90 MiB PSS against
 * a detached keeper's 47, and with what only slows a Node start (os/daemon-env.ts). So it
 * becomes `node FLAGS kelpie up …` once, in place (same pid: PID 1 of a container stays PID 1),
 * before anything else is done. Where that cannot be done, it goes on as it is.
 */
function reexecForeground(): void {
  if (process.env[REEXEC] === '1') {
    delete process.env[REEXEC]; // nothing started from here inherits it
    return;
  }
  const execArgv = withNodeFlags(process.execArgv, KEEPER_NODE_FLAGS);
  const script = process.argv[1];
  if (execArgv.length === process.execArgv.length || !script) return;
  execve(process.execPath, [process.execPath, ...execArgv, script, ...process.argv.slice(2)], daemonEnv({ ...process.env, [REEXEC]: '1' }));
}

function running(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').split(' ')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

const dist = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

export const up: Command = {
  name: 'up',
  summary: 'start kelpie and the autostart services (foreground; -d to detach; --watch reloads on config changes)',
  usage: '',
  args: [0, 0],
  options: { detach: { type: 'boolean', short: 'd' }, timeout: { type: 'string' }, watch: { type: 'boolean' } },
  async run(ctx) {
    if (!ctx.values.detach) reexecForeground();
    const config = loadOrThrow(ctx.where.config);
    const paths = homePaths(ctx.where.home);
    const pid = running(paths.keeperPid);
    if (pid !== null) {
      throw new KelpieError('KELPIE_E_ALREADY_RUNNING', `kelpie already runs for ${ctx.where.home} (keeper pid ${pid})`, 'see kelpie status; stop it with kelpie down');
    }
    mkdirSync(ctx.where.home, { recursive: true, mode: 0o700 });
    const handoff = handOff(ctx.where.home, config);
    if (!ctx.values.detach) {
      const { runKeeper } = await import('../../keeper/run.js');
      process.title = 'kelpie-keeper';
      return runKeeper({ home: ctx.where.home, config: config.file, foreground: true, watch: ctx.values.watch === true, color: style.enabled, version: VERSION, controllerEntry: dist('controller.js'), env: handoff });
    }
    const log = openSync(paths.daemonLog, 'a');
    const child = spawn(process.execPath, [...KEEPER_NODE_FLAGS, dist('keeper.js')], {
      detached: true,
      stdio: ['ignore', log, log],
      // Without what only slows a Node start down (os/daemon-env.ts); services still get it.
      env: daemonEnv({ ...process.env, KELPIE_HOME: ctx.where.home, KELPIE_CONFIG: config.file, ...(ctx.values.watch ? { KELPIE_WATCH: '1' } : {}), ...handoff }),
    });
    let died: string | null = null;
    child.once('exit', (code, sig) => (died = sig ?? `code ${code}`));
    child.unref();
    const client = new Client(ctx.where.home);
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await client.status();
        break;
      } catch (err) {
        if (died !== null || Date.now() > deadline) {
          throw new KelpieError('KELPIE_E_START_FAILED', `kelpie did not start (${died ?? 'no answer after 15 s'})`, `see ${paths.daemonLog}`);
        }
        if (!(err instanceof KelpieError) || err.code !== 'KELPIE_E_UNREACHABLE') throw err;
        // A refused connect costs next to nothing; a short wait gets the answer sooner.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const timeoutMs = ctx.values.timeout ? Number.parseInt(String(ctx.values.timeout), 10) * 1000 : undefined;
    const done = ctx.flags.json ? () => {} : showProgress(client);
    let outcomes;
    try {
      outcomes = await client.act('start', 'wanted', timeoutMs ? { timeoutMs } : {});
    } finally {
      done();
    }
    return report(outcomes, ctx.flags.json, `kelpie is up (home ${ctx.where.home})`);
  },
};

/** Prints per-service outcomes; exit 1 naming the failures. */
export function report(outcomes: readonly ActionOutcome[], json: boolean, headline?: string): number {
  const failed = outcomes.filter((o) => !o.ok);
  if (json) printJson(outcomes);
  else {
    if (headline) out(headline);
    for (const o of outcomes) out(`  ${o.ok ? c.green('ok    ') : c.red('FAILED')} ${o.name.padEnd(16)} ${stateText(o.state)}${o.ok ? '' : `: ${o.message}`}`);
  }
  if (failed.length === 0) return 0;
  if (!json) process.stderr.write(`kelpie: error: failed: ${failed.map((o) => o.name).join(', ')}\n  hint: see kelpie status ${failed[0]?.name ?? ''} and kelpie logs ${failed[0]?.name ?? ''}\n`);
  return 1;
}
