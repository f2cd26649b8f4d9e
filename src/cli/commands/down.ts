// kelpie down: ordered shutdown of every service, then the daemon exits.
import { readFileSync } from 'node:fs';
import { homePaths } from '../../protocol/home.js';
import type { Command } from '../command.js';
import { out, printJson } from '../output.js';

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
    const before = await client.status();
    await client.shutdown();
    const pid = before.daemon.keeper_pid;
    // The keeper exits once every service has stopped (each within its stop timeout).
    while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
    let stillThere = false;
    try {
      stillThere = Number(readFileSync(homePaths(ctx.where.home).keeperPid, 'utf8').split(' ')[0]) === pid;
    } catch {
      stillThere = false;
    }
    if (ctx.flags.json) printJson({ stopped: before.services.map((s) => s.name), keeper_pid: pid, clean: !stillThere });
    else out(`kelpie is down (${before.services.length} service(s) stopped)`);
    return 0;
  },
};
