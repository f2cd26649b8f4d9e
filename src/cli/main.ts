// The kelpie CLI: a thin client. It parses arguments, calls the API (or runs the keeper
// for `up`), and renders what comes back.
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { check } from './commands/check.js';
import { disable, enable, restart, start, stop } from './commands/control.js';
import { down } from './commands/down.js';
import { logs } from './commands/logs.js';
import { signal } from './commands/signal.js';
import { status } from './commands/status.js';
import { up } from './commands/up.js';
import { add, reload, remove } from './commands/reload.js';
import { upgrade } from './commands/upgrade.js';
import { graph } from './commands/graph.js';
import { run } from './commands/run.js';
import { trigger } from './commands/trigger.js';
import { cap, grant } from './commands/cap.js';
import { remote } from './commands/remote.js';
import { fleet } from './commands/fleet.js';
import { importCommand } from './commands/import.js';
import { init } from './commands/init.js';
import { doctor } from './commands/doctor.js';
import { completionFor } from './commands/completion.js';
import { makeCtx, type GlobalFlags } from './context.js';
import { out, reportError, style, usage } from './output.js';
import { VERSION } from './version.js';

const COMMANDS: readonly Command[] = [up, down, status, start, stop, restart, reload, logs, signal, enable, disable, add, remove, run, trigger, graph, grant, cap, remote, fleet, upgrade, check, init, importCommand, doctor, completionFor(() => COMMANDS)];

const GLOBAL: NonNullable<Command['options']> = {
  file: { type: 'string', short: 'f' },
  home: { type: 'string' },
  cap: { type: 'string' },
  remote: { type: 'string', short: 'r' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function help(): void {
  out(`kelpie ${VERSION}: a service supervisor

usage: kelpie [-f FILE] [--home DIR] [--cap FILE] [-r URL|NAME] [--json] <command> [args]

commands:`);
  for (const cmd of COMMANDS) {
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

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') {
    out(VERSION);
    return 0;
  }
  const verbAt = argv.findIndex((a, i) => !a.startsWith('-') && !(i > 0 && ['-f', '--file', '--home', '--cap', '-r', '--remote'].includes(argv[i - 1] ?? '')));
  const verb = verbAt >= 0 ? argv[verbAt] : undefined;
  const cmd = COMMANDS.find((c) => c.name === verb);
  if (!cmd) {
    if (verb === undefined || argv.includes('--help') || argv.includes('-h') || verb === 'help') {
      help();
      return verb === undefined && !argv.includes('--help') && !argv.includes('-h') ? 2 : 0;
    }
    throw usage(`unknown command "${verb}"`, `commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
  }
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
  return cmd.run(makeCtx(flags, parsed.positionals, v));
}

// `kelpie status | head`: a reader that goes away early is normal, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err, argv.includes('--json'));
  },
);
