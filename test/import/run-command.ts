// Runs one of the adoption commands (import, init, completion, doctor) the way src/cli/main.ts
// runs a registered command: parseArgs with the global and the command's own options, a real
// Ctx, errors reported with the CLI's own exit codes. Usage: run-command.ts NAME [ARGS…]
import { parseArgs } from 'node:util';
import type { Command } from '../../src/cli/command.js';
import { completion } from '../../src/cli/commands/completion.js';
import { doctor } from '../../src/cli/commands/doctor.js';
import { importCommand } from '../../src/cli/commands/import.js';
import { init } from '../../src/cli/commands/init.js';
import { makeCtx } from '../../src/cli/context.js';
import { reportError } from '../../src/cli/output.js';

const COMMANDS: Record<string, Command> = { import: importCommand, init, completion, doctor };
const GLOBAL = {
  file: { type: 'string', short: 'f' },
  home: { type: 'string' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
} as const;

const [name, ...argv] = process.argv.slice(2);
const cmd = COMMANDS[name ?? ''];
if (!cmd) {
  process.stderr.write(`run-command: unknown command ${name}\n`);
  process.exit(2);
}
try {
  const { values, positionals } = parseArgs({ args: argv, options: { ...GLOBAL, ...(cmd.options ?? {}) }, allowPositionals: true, strict: true });
  const v = values as Record<string, string | boolean | undefined>;
  const [min, max] = cmd.args ?? [0, 0];
  if (positionals.length < min || positionals.length > max) throw new Error(`expected ${min}-${max} arguments, got ${positionals.length}`);
  const flags = { json: v.json === true, ...(typeof v.file === 'string' ? { file: v.file } : {}), ...(typeof v.home === 'string' ? { home: v.home } : {}) };
  process.exitCode = await cmd.run(makeCtx(flags, positionals, v));
} catch (err) {
  process.exitCode = reportError(err, argv.includes('--json'));
}
