// dist/keeper.js: the detached keeper daemon started by `kelpie up -d`.
import { fileURLToPath } from 'node:url';
import { runKeeper } from './run.js';

import { VERSION } from '../protocol/version.js';

const home = process.env.KELPIE_HOME;
const config = process.env.KELPIE_CONFIG;
if (!home || !config) {
  process.stderr.write('kelpie: error: keeper: KELPIE_HOME and KELPIE_CONFIG must be set\n');
  process.exit(2);
}
process.title = 'kelpie-keeper';
const code = await runKeeper({
  home,
  config,
  foreground: false,
  watch: process.env.KELPIE_WATCH === '1',
  version: VERSION,
  controllerEntry: fileURLToPath(new URL('./controller.js', import.meta.url)),
});
process.exit(code);
