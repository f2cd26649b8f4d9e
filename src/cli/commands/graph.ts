// kelpie graph [--format text|dot]: the dependency graph of the running daemon.
import type { Command } from '../command.js';
import { out, printJson, usage } from '../output.js';

export const graph: Command = {
  name: 'graph',
  summary: 'print the dependency graph (--format dot for Graphviz)',
  usage: '[--format text|dot]',
  args: [0, 0],
  options: { format: { type: 'string' } },
  async run(ctx) {
    const format = (ctx.values.format as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'dot') throw usage(`--format takes text or dot, got "${format}"`);
    const g = await ctx.client().graph();
    if (ctx.flags.json) printJson(g);
    else out((format === 'dot' ? g.dot : g.text).trimEnd());
    return 0;
  },
};
