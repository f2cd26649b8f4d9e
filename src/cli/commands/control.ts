// start / stop / restart / enable / disable SVC…: act on services and report each outcome.
import type { Command } from '../command.js';
import { usage } from '../output.js';
import { report } from './up.js';
import { showProgress } from '../progress.js';

type Verb = 'start' | 'stop' | 'restart' | 'enable' | 'disable';

function control(verb: Verb, summary: string): Command {
  return {
    name: verb,
    summary,
    usage: 'SVC… | --all',
    args: [0, 1000],
    options: { all: { type: 'boolean' }, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' } },
    async run(ctx) {
      if (ctx.args.length === 0 && !ctx.values.all) throw usage(`${verb}: name at least one service, or --all`);
      const timeout = ctx.values.timeout === undefined ? undefined : Number(ctx.values.timeout);
      if (timeout !== undefined && !(timeout > 0)) throw usage(`--timeout takes seconds, got ${String(ctx.values.timeout)}`);
      const client = ctx.client();
      const wait = !ctx.values['no-wait'];
      const done = wait && !ctx.flags.json && (verb === 'start' || verb === 'restart') ? showProgress(client) : () => {};
      try {
        const outcomes = await client.act(verb, ctx.values.all ? 'all' : ctx.args, {
          wait,
          ...(timeout ? { timeoutMs: timeout * 1000 } : {}),
        });
        done();
        return report(outcomes, ctx.flags.json);
      } finally {
        done();
      }
    },
  };
}

export const start = control('start', 'start services and wait until they run');
export const stop = control('stop', 'stop services (signal, then SIGKILL after the timeout)');
export const restart = control('restart', 'stop then start services');
export const enable = control('enable', 'allow services to start again');
export const disable = control('disable', 'stop services and keep them from starting');
