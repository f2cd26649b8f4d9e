// dist/controller.js: forked by the keeper; exits when the keeper goes away.
import { Controller } from './controller.js';

const home = process.env.KELPIE_HOME;
const config = process.env.KELPIE_CONFIG;
if (!home || !config || !process.send) {
  process.stderr.write('kelpie: error: the controller is started by the keeper (kelpie up), not by hand\n');
  process.exit(2);
}
process.title = 'kelpie-controller';
new Controller(home, config);
