// kelpie signal SVC SIG: send a signal to a service's whole process group.
import type { Command } from '../command.js';
import { out, printJson } from '../output.js';

export const signal: Command = {
  name: 'signal',
  summary: "send a signal to a service's process group",
  usage: 'SVC SIGNAL',
  args: [2, 2],
  async run(ctx) {
    const [svc, sig] = ctx.args as [string, string];
    const r = await ctx.client().signal(svc, sig);
    if (ctx.flags.json) printJson(r);
    else out(`sent ${sig.toUpperCase()} to ${svc}`);
    return 0;
  },
};
