// kelpie check [FILE]: validate a config without running anything.
import { formatIssue, loadConfig } from '../../config/index.js';
import { KelpieError } from '../../protocol/errors.js';
import { hostIssues } from '../../controller/privileges.js';
import type { Command } from '../command.js';
import { out, printJson } from '../output.js';
import { resolve } from 'node:path';

export const check: Command = {
  name: 'check',
  summary: 'validate the config without running anything',
  usage: '[FILE]',
  args: [0, 1],
  async run(ctx) {
    const file = ctx.args[0] ? resolve(ctx.args[0]) : ctx.where.config;
    const r = loadConfig(file);
    const issues = r.ok ? hostIssues(r.config) : r.issues;
    if (!r.ok || issues.length) {
      if (ctx.flags.json) {
        printJson({ ok: false, file, issues });
        return 2;
      }
      for (const i of issues) process.stderr.write(formatIssue(i) + '\n');
      throw new KelpieError('KELPIE_E_CONFIG', `${file}: ${issues.length} problem(s) found; nothing was changed`);
    }
    const names = Object.keys(r.config.services);
    if (ctx.flags.json) printJson({ ok: true, file, files: r.config.files, services: names });
    else out(`${file}: ok, ${names.length} service(s): ${names.join(', ')}`);
    return 0;
  },
};
