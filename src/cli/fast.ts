// Where bin/kelpie starts (dist/cli-fast.cjs, a CommonJS bundle). `kelpie status` and
// `kelpie down` run from here; every other command, and these two with another node (-r),
// go on to dist/cli.js.
//
// Why: a status query's time is mostly Node starting up. Loading the CLI through the ES module
// loader and a dozen chunks cost about 15 ms more than this one small CommonJS file
// (docs/benchmarks.md). The commands here share no state with dist/cli.js: this file either
// runs the command itself or hands over before it has done anything.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { down } from './commands/down.js';
import { status } from './commands/status.js';
import { runCli, verbIndex, type Loader } from './run.js';

const HERE: readonly Loader[] = [
  ['status', async () => status],
  ['down', async () => down],
];

const argv = process.argv.slice(2);
const verb = argv[verbIndex(argv)];
// -r/--remote (or -r among grouped short flags) and KELPIE_REMOTE need the remotes module and
// its TLS client: dist/cli.js has them.
const remote = process.env.KELPIE_REMOTE || argv.some((a) => a.startsWith('--remote') || (/^-[^-]/.test(a) && a.includes('r')));

if (verb !== undefined && !remote && HERE.some(([name]) => name === verb)) {
  runCli({
    loaders: HERE,
    remotes: () => Promise.reject(new Error('internal: --remote reached the fast entry')),
  });
} else {
  // __dirname: this bundle's directory (dist/), where cli.js is.
  void import(pathToFileURL(join(__dirname, 'cli.js')).href);
}
