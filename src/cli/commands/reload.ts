// kelpie reload [--dry-run] [--defer SVC…]: apply the config's changes, restarting only
// what changed; add FILE / remove NAME register services at runtime.
import { resolve } from 'node:path';
import type { Applied, ReloadResult } from '../../protocol/api.js';
import { KelpieError } from '../../protocol/errors.js';
import type { Command } from '../command.js';
import { c, out, printJson } from '../output.js';

function printPlan(r: ReloadResult, dry: boolean): void {
  const p = r.plan;
  out(dry ? 'reload plan (dry run: nothing changed)' : 'reload');
  for (const n of p.added) out(`  ${c.green('+ added    ')} ${n}`);
  for (const n of p.removed) out(`  ${c.red('- removed  ')} ${n}`);
  for (const ch of p.changed) out(`  ${c.yellow('~ changed  ')} ${ch.name}: ${ch.fields.join(', ')} (${ch.restart ? 'needs a restart' : 'applied in place'})`);
  for (const n of p.unchanged) out(`  ${c.dim('  unchanged')} ${n}`);
  printApplied(r.applied);
}

function printApplied(applied: readonly Applied[]): void {
  for (const a of applied) out(`  ${a.ok ? c.green('ok    ') : c.red('FAILED')} ${a.name}: ${a.action}${a.message ? `: ${a.message}` : ''}`);
}

function exitFor(applied: readonly Applied[]): number {
  const failed = applied.filter((a) => !a.ok);
  if (failed.length) process.stderr.write(`kelpie: error: failed: ${failed.map((a) => a.name).join(', ')}\n`);
  return failed.length ? 1 : 0;
}

/** Prints the config issues the daemon sent back with a KELPIE_E_CONFIG error. */
async function withIssues<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof KelpieError && Array.isArray(err.details)) for (const line of err.details) process.stderr.write(`${String(line)}\n`);
    throw err;
  }
}

export const reload: Command = {
  name: 'reload',
  summary: 're-read the config; start added, stop removed, restart only what changed',
  usage: '[--dry-run] [--defer SVC]…',
  args: [0, 0],
  options: { 'dry-run': { type: 'boolean' }, defer: { type: 'string', multiple: true } },
  async run(ctx) {
    const dry = ctx.values['dry-run'] === true;
    const defer = (ctx.values.defer as unknown as string[] | undefined) ?? [];
    const r = await withIssues(() => ctx.client().reload(dry, defer));
    if (ctx.flags.json) printJson(r);
    else printPlan(r, dry);
    return exitFor(r.applied);
  },
};

export const add: Command = {
  name: 'add',
  summary: 'register the services defined in FILE at runtime (kept across reloads and restarts)',
  usage: 'FILE',
  args: [1, 1],
  async run(ctx) {
    const applied = await withIssues(() => ctx.client().add(resolve(ctx.args[0]!)));
    if (ctx.flags.json) printJson(applied);
    else printApplied(applied);
    return exitFor(applied);
  },
};

export const remove: Command = {
  name: 'remove',
  summary: 'stop and unregister a service added with kelpie add',
  usage: 'SVC',
  args: [1, 1],
  async run(ctx) {
    const applied = await ctx.client().remove(ctx.args[0]!);
    if (ctx.flags.json) printJson(applied);
    else printApplied(applied);
    return exitFor(applied);
  },
};
