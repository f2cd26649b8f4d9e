// kelpie upgrade: replace the running controller with the code now installed. No service
// is restarted; the keeper buffers events during the handover and the CLI retries.
import type { Command } from '../command.js';
import { out, printJson } from '../output.js';
import { BUILD } from '../version.js';

export const upgrade: Command = {
  name: 'upgrade',
  summary: 'replace the running controller with the installed code; services keep running',
  usage: '',
  args: [0, 0],
  async run(ctx) {
    const client = ctx.client();
    const before = await client.status();
    await client.upgrade();
    const deadline = Date.now() + 15_000;
    let after = before;
    while (after.daemon.controller_pid === before.daemon.controller_pid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await client.status();
    }
    const same = before.services.filter((s) => s.pid !== null && after.services.find((x) => x.name === s.name)?.pid === s.pid).length;
    const result = { from: { pid: before.daemon.controller_pid, build: before.daemon.build }, to: { pid: after.daemon.controller_pid, build: after.daemon.build }, services_kept: same };
    if (ctx.flags.json) printJson(result);
    else out(`controller ${result.from.pid} (build ${result.from.build}) → ${result.to.pid} (build ${result.to.build}); ${same} running service(s) kept their PIDs`);
    if (after.daemon.controller_pid === before.daemon.controller_pid) {
      process.stderr.write('kelpie: error: the controller was not replaced within 15 s\n');
      return 1;
    }
    if (after.daemon.build !== BUILD) process.stderr.write(`note: the new controller runs build ${after.daemon.build}, this CLI is build ${BUILD}\n`);
    return 0;
  },
};
