// The config `kelpie up` has loaded and checked, handed to the first controller so that it
// does not load it again (a quarter of a second at a thousand services). A file in the home
// named by KELPIE_CONFIG_HANDOFF in the daemon's environment; the controller renames it into
// its config snapshot (config.json) at its first boot, or removes it if it cannot use it.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { writeFileAtomic } from '../os/atomic.js';

const PREFIX = 'config.handoff.';

/** Writes `config` for the daemon about to start in `home`; returns the variables to give it. */
export function handOff(home: string, config: Config): Record<string, string> {
  // Left by an `up` whose daemon never started.
  try {
    for (const n of readdirSync(home)) if (n.startsWith(PREFIX)) rmSync(join(home, n), { force: true });
  } catch {
    // no home yet: nothing left
  }
  const path = join(home, `${PREFIX}${process.pid}.json`);
  try {
    writeFileAtomic(path, JSON.stringify(config), 0o600, { durable: false });
    return { KELPIE_CONFIG_HANDOFF: path };
  } catch {
    return {}; // the controller loads the config itself
  }
}
