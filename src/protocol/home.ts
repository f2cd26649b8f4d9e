// The layout of a kelpie home directory (`.kelpie/` beside kelpie.toml, or KELPIE_HOME):
// a contract between keeper, controller and CLI.
import { join } from 'node:path';

/** Every path kelpie keeps under one home. */
export function homePaths(home: string) {
  return {
    home,
    socket: join(home, 'kelpie.sock'),
    keeperPid: join(home, 'keeper.pid'),
    journal: join(home, 'keeper.json'),
    state: join(home, 'state.json'),
    daemonLog: join(home, 'kelpie.log'),
    logs: join(home, 'logs'),
    serviceLog: (service: string) => join(home, 'logs', `${service}.log`),
  } as const;
}

/** The paths of one home. */
export type HomePaths = ReturnType<typeof homePaths>;
