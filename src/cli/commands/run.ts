// kelpie run [--name N] [--env K=V]… [--cwd DIR] -- CMD ARGS…: a transient supervised process.
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { out, printJson, usage } from '../output.js';

export const run: Command = {
  name: 'run',
  summary: 'run CMD as a transient service (shown while it runs, forgotten when it ends)',
  usage: '[--name N] [--env K=V]… [--cwd DIR] -- CMD [ARGS…]',
  args: [1, 10_000],
  options: { name: { type: 'string' }, env: { type: 'string', multiple: true }, cwd: { type: 'string' } },
  async run(ctx) {
    const env: Record<string, string> = {};
    for (const kv of (ctx.values.env as unknown as string[] | undefined) ?? []) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw usage(`--env takes KEY=VALUE, got "${kv}"`);
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const name = ctx.values.name as string | undefined;
    const o = await ctx.client().run({
      ...(name ? { name } : {}),
      argv: ctx.args,
      cwd: resolve((ctx.values.cwd as string | undefined) ?? process.cwd()),
      env,
    });
    if (ctx.flags.json) printJson(o);
    else out(`${o.name}: ${o.state}${o.ok ? '' : `: ${o.message}`}`);
    return o.ok ? 0 : 1;
  },
};
