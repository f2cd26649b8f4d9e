// The CLI's dispatcher: global flags, the verb, its command's own flags, help. Two entries
// use it: main.ts (dist/cli.js, every command) and fast.ts (dist/cli-fast.cjs, the commands
// whose start-up time matters most, loaded without the ES module loader).
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { makeCtx, type GlobalFlags, type RemoteResolver } from './context.js';
import { out, reportError, style, usage } from './output.js';
import { VERSION } from './version.js';

/** A command's name and how to load it. */
export type Loader = readonly [string, () => Promise<Command>];

/** Where the entry's commands come from, and the remotes module (loaded only for another node). */
export interface Entry {
  readonly loaders: readonly Loader[];
  readonly remotes: () => Promise<{ resolveRemote: RemoteResolver }>;
}

/** Flags taking a value: the word after one is not the verb. */
const VALUED = ['-f', '--file', '--home', '--cap', '-r', '--remote'];

/** Where the verb is in `argv` (-1: none). */
export function verbIndex(argv: readonly string[]): number {
  return argv.findIndex((a, i) => !a.startsWith('-') && !(i > 0 && VALUED.includes(argv[i - 1] ?? '')));
}

/** Every command, once loadAll() has run (help, completion). */
let ALL: readonly Command[] = [];

/** Every command, once help or completion has loaded them. */
export const allCommands = (): readonly Command[] => ALL;

async function loadAll(loaders: readonly Loader[]): Promise<readonly Command[]> {
  ALL = await Promise.all(loaders.map(([, load]) => load()));
  return ALL;
}

const GLOBAL: NonNullable<Command['options']> = {
  file: { type: 'string', short: 'f' },
  home: { type: 'string' },
  cap: { type: 'string' },
  remote: { type: 'string', short: 'r' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

async function help(loaders: readonly Loader[]): Promise<void> {
  const commands = await loadAll(loaders);
  out(`kelpie ${VERSION}: a service supervisor

usage: kelpie [-f FILE] [--home DIR] [--cap FILE] [-r URL|NAME] [--json] <command> [args]

commands:`);
  for (const cmd of commands) {
    const head = `${cmd.name} ${cmd.usage}`;
    // A long usage gets its own line, the summary under it.
    if (head.length > 28) out(`  ${head}\n  ${''.padEnd(28)} ${cmd.summary}`);
    else out(`  ${head.padEnd(28)} ${cmd.summary}`);
  }
  out(`
options:
  -f, --file FILE   the config (default: ./kelpie.toml, or the nearest one upward)
      --home DIR    where the socket, state and logs live (default: .kelpie/ beside the config)
      --cap FILE    present this capability (also KELPIE_CAP; default: the owner's root.cap)
  -r, --remote URL|NAME
                    talk to another node: a capability URL (kelpie://…), or a name saved
                    with kelpie remote add (also KELPIE_REMOTE); see docs/fleet.md
      --json        machine-readable output
      --no-color    no colours (also NO_COLOR=1)
  -h, --help        this help; --version prints the version

exit codes: 0 ok, 1 action failed, 2 usage or config error, 3 unknown service, 4 daemon unreachable,
            5 not permitted (capability), 6 wrong node (fingerprint mismatch)
docs: docs/cli.md`);
}

async function main(argv: string[], entry: Entry): Promise<number> {
  const LOADERS = entry.loaders;
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') {
    out(VERSION);
    return 0;
  }
  const verbAt = verbIndex(argv);
  const verb = verbAt >= 0 ? argv[verbAt] : undefined;
  const loader = LOADERS.find(([name]) => name === verb);
  if (!loader) {
    if (verb === undefined || argv.includes('--help') || argv.includes('-h') || verb === 'help') {
      await help(LOADERS);
      return verb === undefined && !argv.includes('--help') && !argv.includes('-h') ? 2 : 0;
    }
    throw usage(`unknown command "${verb}"`, `commands: ${LOADERS.map(([name]) => name).join(', ')}`);
  }
  // Completion describes every command; the others need only their own.
  if (verb === 'completion') await loadAll(LOADERS);
  const cmd = await loader[1]();
  // Flags before the verb are global; after it, the command's own come too (there `logs -f`
  // follows, like tail -f, and the config is --file).
  const own = cmd.name === 'logs' ? { ...GLOBAL, file: { type: 'string' as const } } : GLOBAL;
  let parsed;
  try {
    const pre = parseArgs({ args: argv.slice(0, verbAt), options: GLOBAL, allowPositionals: false, strict: true });
    const post = parseArgs({ args: argv.slice(verbAt + 1), options: { ...own, ...(cmd.options ?? {}) }, allowPositionals: true, strict: true });
    parsed = { values: { ...pre.values, ...post.values }, positionals: post.positionals };
  } catch (err) {
    throw usage(`${cmd.name}: ${(err as Error).message}`, `usage: kelpie ${cmd.name} ${cmd.usage}`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) {
    out(`usage: kelpie ${cmd.name} ${cmd.usage}\n${cmd.summary}`);
    return 0;
  }
  if (v['no-color']) style.enabled = false;
  const [min, max] = cmd.args ?? [0, 0];
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw usage(`${cmd.name}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}`, `usage: kelpie ${cmd.name} ${cmd.usage}`);
  }
  const flags: GlobalFlags = {
    json: v.json === true,
    ...(typeof v.file === 'string' ? { file: v.file } : {}),
    ...(typeof v.home === 'string' ? { home: v.home } : {}),
    ...(typeof v.cap === 'string' ? { cap: v.cap } : {}),
    ...(typeof v.remote === 'string' ? { remote: v.remote } : process.env.KELPIE_REMOTE ? { remote: process.env.KELPIE_REMOTE } : {}),
  };
  // These run or wait for a daemon on this machine; another node is brought up or down there.
  // (KELPIE_REMOTE is simply not used for them.)
  if (['up', 'down', 'init', 'import', 'completion', 'doctor'].includes(cmd.name)) {
    if (typeof v.remote === 'string') throw usage(`${cmd.name} works on this machine only, not with --remote`, 'run it on the other node itself');
    delete flags.remote;
  }
  // The remotes file and URL parser (crypto, os) are loaded only for another node.
  const remotes = flags.remote !== undefined ? await entry.remotes() : undefined;
  return cmd.run(makeCtx(flags, parsed.positionals, v, remotes?.resolveRemote));
}

/** Runs the command line of this process with `entry`'s commands; sets the exit code. */
export function runCli(entry: Entry): void {
  // `kelpie status | head`: a reader that goes away early is normal, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const argv = process.argv.slice(2);
  main(argv, entry).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = reportError(err, argv.includes('--json'));
    },
  );
}
