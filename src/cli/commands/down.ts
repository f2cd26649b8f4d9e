// kelpie down: ordered shutdown of every service, then the daemon exits.
import { existsSync, readFileSync } from 'node:fs';
import { homePaths } from '../../protocol/home.js';
import { readStat } from '../../os/proc.js';
import type { Command } from '../command.js';
import { out, printJson } from '../output.js';

/** keeper.pid's text ("PID STARTTIME"), or null. */
function claimOf(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while `pid` runs; a zombie (exited, not yet reaped by its new parent) is gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

export const down: Command = {
  name: 'down',
  summary: 'stop every service and the daemon',
  usage: '',
  args: [0, 0],
  async run(ctx) {
    const client = ctx.client();
    const paths = homePaths(ctx.where.home);
    const claim = claimOf(paths.keeperPid);
    // The reply says what is being stopped (no status call first: this is on the way of every
    // stop of everything). A controller older than that reply says only that it began.
    const plan = await client.shutdown();
    const pid = plan.keeper_pid ?? Number((claim ?? '').split(' ')[0]);
    // The keeper exits once every service has stopped (each within its stop timeout), then
    // releases keeper.pid. Its pid is ours to watch only if it is the same process here: as
    // PID 1 of another PID namespace it reports a pid that names a different process here.
    const [claimPid, claimStart] = (claim ?? '').split(' ');
    const sameNamespace = claim === null || Number(claimPid) === pid && String(readStat(pid)?.startTime) === claimStart;
    let stillThere = false;
    if (sameNamespace) {
      // Checked often at first (a stop of trivial services takes a tenth of a second), less
      // so after (services with long stop timeouts): every 2 ms for a second, then every 20.
      const often = Date.now() + 1000;
      while (alive(pid)) await pause(Date.now() < often ? 2 : 20);
      stillThere = claimOf(paths.keeperPid) === claim;
    } else {
      // Wait for the keeper to let go of keeper.pid; a keeper killed outright never does, so
      // once its API socket is gone too, give it a few seconds and no more.
      let goneSince: number | null = null;
      while (claimOf(paths.keeperPid) === claim) {
        if (existsSync(paths.socket)) goneSince = null;
        else if (goneSince === null) goneSince = Date.now();
        else if (Date.now() - goneSince > 5000) {
          stillThere = true;
          break;
        }
        await pause(50);
      }
    }
    // Remote services are left running on their nodes (docs/fleet.md): not counted as stopped.
    const stopped = plan.stopping ?? null;
    const left = plan.remote ?? 0;
    if (ctx.flags.json) printJson({ stopped, keeper_pid: pid, clean: !stillThere });
    else out(`kelpie is down${stopped ? ` (${stopped.length} service(s) stopped${left ? `; ${left} remote service(s) left as they are` : ''})` : ''}`);
    return 0;
  },
};
