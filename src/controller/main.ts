// dist/controller.js: forked by the keeper; exits when the keeper goes away.
import { Controller } from './controller.js';

const home = process.env.KELPIE_HOME;
const config = process.env.KELPIE_CONFIG;
if (!home || !config || !process.send) {
  process.stderr.write('kelpie: error: the controller is started by the keeper (kelpie up), not by hand\n');
  process.exit(2);
}
process.title = 'kelpie-controller';
// A stray rejection is a bug to log, not a reason to drop the API; a thrown exception leaves
// state unknown, so the controller exits and the keeper starts a fresh one that reconciles.
process.on('unhandledRejection', (err) => {
  process.stderr.write(`${new Date().toISOString()} kelpie[controller ${process.pid}]: unhandled rejection: ${String((err as Error)?.stack ?? err)}\n`);
});
new Controller(home, config);
