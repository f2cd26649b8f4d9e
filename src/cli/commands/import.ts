// kelpie import FILE: a Procfile, pm2 ecosystem file, docker compose file or process-compose
// file → kelpie.toml, on stdout or into -o OUT, with one `warning:` line on stderr for every
// setting that could not be carried over.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, parse, relative, resolve, sep } from 'node:path';
import { formatIssue, loadConfig } from '../../config/index.js';
import {
  FORMATS,
  ImportError,
  convert,
  convertPm2,
  detectFormat,
  isFormat,
  isJsFile,
  loadJsModule,
  type Format,
  type ImportOptions,
  type ImportResult,
} from '../../import/index.js';
import { KelpieError } from '../../protocol/errors.js';
import type { Command } from '../command.js';
import { out, printJson, usage } from '../output.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'convert a Procfile, pm2, docker compose or process-compose file to kelpie.toml',
  usage: `FILE [--format ${FORMATS.join('|')}] [-o OUT] [--force]`,
  args: [1, 1],
  options: { format: { type: 'string' }, output: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
  async run(ctx) {
    const file = resolve(ctx.args[0]!);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw usage(`import: cannot read ${ctx.args[0]}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const asked = ctx.values.format;
    let format: Format;
    if (typeof asked === 'string') {
      if (!isFormat(asked)) throw usage(`import: unknown format ${JSON.stringify(asked)}`, `formats: ${FORMATS.join(', ')}`);
      format = asked;
    } else {
      const found = detectFormat(file, text);
      if (found === null) throw usage(`import: cannot tell what kind of file ${ctx.args[0]} is`, `name it with --format ${FORMATS.join('|')}`);
      format = found;
    }
    const output = typeof ctx.values.output === 'string' ? resolve(ctx.values.output) : undefined;
    if (output !== undefined) {
      if (output === file) throw usage('import: the output would overwrite the file being imported');
      if (existsSync(output) && ctx.values.force !== true) throw usage(`import: ${ctx.values.output} already exists`, 'pass --force to overwrite it');
    }
    // Paths in the source are relative to its directory; rebase them onto where the result goes
    // (absolute when the two share nothing but the root).
    const outDir = output !== undefined ? dirname(output) : process.cwd();
    const posix = (p: string): string => p.split(sep).join('/');
    const far = top(outDir) !== top(file);
    const opts: ImportOptions = {
      source: far ? posix(file) : posix(relative(outDir, file)),
      base: far ? posix(dirname(file)) : posix(relative(outDir, dirname(file))),
      ...(format === 'procfile' && existsSync(join(dirname(file), '.env')) ? { envFile: '.env' } : {}),
    };
    if (isJsFile(file) && format !== 'pm2') throw usage(`import: a JavaScript file can only be a pm2 ecosystem file, not ${format}`);

    let result: ImportResult;
    try {
      if (isJsFile(file)) {
        result = convertPm2(await loadJsModule(file), opts);
      } else result = convert(format, text, opts);
    } catch (e) {
      if (e instanceof ImportError) {
        const hint = isJsFile(file) ? undefined : `is it a ${format} file? name the format with --format ${FORMATS.join('|')}`;
        throw new KelpieError('KELPIE_E_CONFIG', `${ctx.args[0]}: ${e.message}`, hint);
      }
      throw e;
    }

    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    const services = result.services.length;
    if (output === undefined) {
      if (ctx.flags.json) printJson({ ok: true, file, format, toml: result.toml, warnings: result.warnings });
      else process.stdout.write(result.toml);
      return 0;
    }
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, result.toml);
    // What still keeps the result from loading here (a missing env_file, …), as kelpie check would say.
    const check = loadConfig(relative(process.cwd(), output) || output);
    const problems = check.ok ? [] : check.issues.map(formatIssue);
    for (const p of problems) process.stderr.write(`warning: ${p}\n`);
    if (ctx.flags.json) {
      printJson({ ok: true, file, format, output, services, warnings: result.warnings, problems });
      return 0;
    }
    out(`wrote ${ctx.values.output} (${format}): ${services} service(s), ${result.warnings.length} warning(s)`);
    if (problems.length > 0) out(`it does not load yet: fix the ${problems.length} problem(s) above, then run kelpie check ${ctx.values.output}`);
    else out(`next: review it, then kelpie -f ${ctx.values.output} up`);
    return 0;
  },
};

/** The first component of an absolute path ("home" for /home/u/x). */
function top(p: string): string {
  return p.slice(parse(p).root.length).split(sep)[0] ?? '';
}
