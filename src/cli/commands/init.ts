// kelpie init: a commented starter kelpie.toml in the current directory (or -f FILE), whose
// first line points editors (taplo, Even Better TOML) at the JSON Schema shipped with kelpie.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatIssue, loadConfig } from '../../config/index.js';
import { KelpieError } from '../../protocol/errors.js';
import type { Command } from '../command.js';
import { out, printJson, usage } from '../output.js';

const SCHEMA = join('schema', 'kelpie.schema.json');

/**
 * The schema shipped in the package: `../schema/kelpie.schema.json` from dist/ (the bundle),
 * or further up from src/cli/commands/ when run from source. null if it cannot be found.
 */
export function schemaPath(from = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from, i = 0; i < 5; i++, dir = dirname(dir)) {
    const p = join(dir, '..', SCHEMA);
    if (existsSync(p)) return resolve(p);
    if (dirname(dir) === dir) break;
  }
  return null;
}

/**
 * How the new file names the schema: relative to the file when both are under one tree (a
 * project with kelpie in node_modules, a checkout), else a file:// URL (a global install:
 * taplo takes a path relative to the document, or a URL).
 */
export function schemaRef(configDir: string, schema: string): string {
  const rel = relative(configDir, schema);
  const top = (p: string): string => p.slice(parse(p).root.length).split(sep)[0] ?? '';
  if (isAbsolute(rel) || top(resolve(configDir)) !== top(schema)) return pathToFileURL(schema).href;
  const posix = rel.split(sep).join('/');
  return posix.startsWith('.') ? posix : `./${posix}`;
}

/** The starter file. It loads as it is: one harmless service, the rest commented out. */
export function starterToml(schema: string | null): string {
  const head = schema === null ? [] : [`#:schema ${schema}`];
  return [
    ...head,
    `# kelpie.toml: the services kelpie supervises.
#
#   kelpie check       validate this file without running anything
#   kelpie up          start everything (Ctrl-C stops it; kelpie up -d runs in the background)
#   kelpie status      what runs, what failed and why
#   kelpie logs -f     follow every service's output
#
# Coming from a Procfile, pm2, docker compose or process-compose? kelpie import FILE converts it.
# Every key is described in docs/config.md${schema === null ? '' : '; the #:schema line above lets editors\n# (taplo, Even Better TOML) complete and check this file'}. kelpie keeps its socket, state and
# logs in .kelpie/ beside this file: add .kelpie/ to .gitignore.

# Log rotation for every service (each may override it with its own log = { … }).
[log]
max_size = "10MB"
keep = 5

# A long-running service. A string command runs through /bin/sh -c; an array runs as is.
[services.hello]
command = "while true; do echo hello from kelpie; sleep 5; done"
restart = "on-failure"                  # always | on-failure | never
# cwd = "."                             # relative to this file (the default)
# env = { GREETING = "hello" }          # values are strings: PORT = "8080", not 8080
# env_file = ".env"
# stop = { signal = "SIGTERM", timeout = "10s" }   # then SIGKILL to the whole process group
# backoff = { initial = "100ms", max = "30s" }     # delay between respawns, doubling
# ready = { log = "hello" }             # or { tcp = 8080 }, { http = "http://127.0.0.1:8080/health" }, { notify = true }

# More to start from: uncomment and adapt.
#
# [services.db]
# command = ["redis-server", "--port", "6380"]
# ready = { tcp = 6380 }                # dependents wait until it accepts connections
#
# [services.migrate]
# kind = "oneshot"                      # runs to completion; dependents wait for success
# command = ["./migrate", "up"]
# requires = ["db"]
#
# [services.web]
# command = ["node", "server.js"]
# requires = ["db", "migrate"]          # after db is ready and migrate has completed
# env = { PORT = "8080" }
# ready = { http = "http://127.0.0.1:8080/health" }
# liveness = { http = "http://127.0.0.1:8080/health", interval = "30s" }
#
# [services.backup]
# kind = "timer"                        # runs its command on a schedule
# command = ["./backup.sh"]
# schedule = "30 3 * * *"               # 03:30 every day
`,
  ].join('\n');
}

export const init: Command = {
  name: 'init',
  summary: 'write a commented starter kelpie.toml here',
  usage: '[--force]',
  args: [0, 0],
  options: { force: { type: 'boolean' } },
  async run(ctx) {
    const file = ctx.flags.file ? resolve(ctx.flags.file) : join(process.cwd(), 'kelpie.toml');
    const shown = relative(process.cwd(), file) || file;
    if (existsSync(file) && ctx.values.force !== true) throw usage(`init: ${shown} already exists`, 'pass --force to replace it');
    const schema = schemaPath();
    const ref = schema === null ? null : schemaRef(dirname(file), schema);
    const text = starterToml(ref);
    try {
      writeFileSync(file, text);
    } catch (e) {
      throw new KelpieError('KELPIE_E_USAGE', `init: cannot write ${shown}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const r = loadConfig(file);
    if (!r.ok) throw new KelpieError('KELPIE_E_INTERNAL', `init wrote a config that does not load:\n${r.issues.map(formatIssue).join('\n')}`);
    if (ctx.flags.json) printJson({ ok: true, file, schema: ref });
    else {
      out(`wrote ${shown}${ref === null ? ' (the JSON Schema was not found beside kelpie: no #:schema line)' : ''}`);
      out(`next: edit it, then kelpie up`);
    }
    return 0;
  },
};
