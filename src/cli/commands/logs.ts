// kelpie logs [-n N] [-f] [SVC…]: merged, prefixed lines; -f follows them live.
import type { LogEntry } from '../../protocol/api.js';
import type { Command } from '../command.js';
import { c, usage } from '../output.js';

const PALETTE = [c.cyan, c.yellow, c.green, c.magenta, c.blue];

export const logs: Command = {
  name: 'logs',
  summary: 'show service output (-f to follow; the config is --file here)',
  usage: '[-n N] [-f] [SVC…]',
  args: [0, 1000],
  options: { lines: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' } },
  async run(ctx) {
    const n = ctx.values.lines === undefined ? 20 : Number(ctx.values.lines);
    if (!Number.isInteger(n) || n < 0) throw usage(`-n takes a whole number, got ${String(ctx.values.lines)}`);
    const client = ctx.client();
    const colours = new Map<string, (s: string) => string>();
    let width = Math.max(0, ...ctx.args.map((a) => a.length));
    const print = (l: LogEntry): void => {
      if (ctx.flags.json) {
        process.stdout.write(JSON.stringify(l) + '\n');
        return;
      }
      let col = colours.get(l.service);
      if (!col) colours.set(l.service, (col = PALETTE[colours.size % PALETTE.length] ?? c.cyan));
      width = Math.max(width, l.service.length);
      const err = l.stream.startsWith('err') ? c.red('!') : ' ';
      process.stdout.write(`${c.dim(l.at.slice(11, 23))} ${col(l.service.padEnd(width))} |${err}${l.text}\n`);
    };
    if (!ctx.values.follow) {
      for (const l of await client.logs(ctx.args, n)) print(l);
      return 0;
    }
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await client.followLogs(ctx.args, n, print, ac.signal, {
      dropped: (k) => process.stderr.write(`kelpie: ${k} line(s) not shown: this terminal read them too slowly; the log files keep every line\n`),
    });
    return 0;
  },
};
