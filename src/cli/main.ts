// The kelpie CLI: a thin client. It parses arguments, calls the API (or runs the keeper
// for `up`), and renders what comes back. bin/kelpie starts at fast.ts, which hands every
// command but the few it has to this module (dist/cli.js).
import { allCommands, runCli, type Loader } from './run.js';

// Each command's module is loaded only when it runs: \`kelpie status\` compiles the client and
// the status renderer, not the config loader, the importers or the keeper (CLI start-up time is
// most of a status query's time). Help and completion load them all. The order is help's.
const LOADERS: readonly Loader[] = [
  ['up', async () => (await import('./commands/up.js')).up],
  ['down', async () => (await import('./commands/down.js')).down],
  ['status', async () => (await import('./commands/status.js')).status],
  ['start', async () => (await import('./commands/control.js')).start],
  ['stop', async () => (await import('./commands/control.js')).stop],
  ['restart', async () => (await import('./commands/control.js')).restart],
  ['reload', async () => (await import('./commands/reload.js')).reload],
  ['logs', async () => (await import('./commands/logs.js')).logs],
  ['signal', async () => (await import('./commands/signal.js')).signal],
  ['enable', async () => (await import('./commands/control.js')).enable],
  ['disable', async () => (await import('./commands/control.js')).disable],
  ['top', async () => (await import('./commands/top.js')).top],
  ['dashboard', async () => (await import('./commands/dashboard.js')).dashboard],
  ['add', async () => (await import('./commands/reload.js')).add],
  ['remove', async () => (await import('./commands/reload.js')).remove],
  ['run', async () => (await import('./commands/run.js')).run],
  ['trigger', async () => (await import('./commands/trigger.js')).trigger],
  ['graph', async () => (await import('./commands/graph.js')).graph],
  ['grant', async () => (await import('./commands/cap.js')).grant],
  ['cap', async () => (await import('./commands/cap.js')).cap],
  ['remote', async () => (await import('./commands/remote.js')).remote],
  ['fleet', async () => (await import('./commands/fleet.js')).fleet],
  ['upgrade', async () => (await import('./commands/upgrade.js')).upgrade],
  ['check', async () => (await import('./commands/check.js')).check],
  ['init', async () => (await import('./commands/init.js')).init],
  ['import', async () => (await import('./commands/import.js')).importCommand],
  ['doctor', async () => (await import('./commands/doctor.js')).doctor],
  ['completion', async () => (await import('./commands/completion.js')).completionFor(allCommands)],
];

runCli({ loaders: LOADERS, remotes: () => import('../client/remotes.js') });
