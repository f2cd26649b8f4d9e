// kelpie trigger TIMER: run a timer service now.
import type { Command } from '../command.js';
import { out, printJson } from '../output.js';

export const trigger: Command = {
  name: 'trigger',
  summary: 'run a timer service now (its overlap rule applies)',
  usage: 'TIMER',
  args: [1, 1],
  async run(ctx) {
    const o = await ctx.client().trigger(ctx.args[0]!);
    if (ctx.flags.json) printJson(o);
    else out(`${o.name}: ${o.message}`);
    return o.ok ? 0 : 1;
  },
};
