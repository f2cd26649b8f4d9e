// What every command receives: parsed flags, where the project is, and a client.
import { Client } from '../client/client.js';
import { locate, type Located } from '../client/home.js';
import type { CapUrl } from '../fleet/url.js';

/** Turns --remote's argument into a URL (src/client/remotes.ts; loaded only when --remote is given). */
export type RemoteResolver = (arg: string) => CapUrl;

/** Flags every command accepts. */
export interface GlobalFlags {
  file?: string;
  home?: string;
  /** A capability (file or token) to present instead of the owner's. */
  cap?: string;
  /** A capability URL, or the name of a saved remote (--remote / -r). */
  remote?: string;
  json: boolean;
}

/** A command's inputs. */
export interface Ctx {
  readonly flags: GlobalFlags;
  readonly args: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly where: Located;
  client(): Client;
}

export function makeCtx(flags: GlobalFlags, args: string[], values: Record<string, string | boolean | undefined>, resolveRemote?: RemoteResolver): Ctx {
  const where = locate({ ...(flags.home ? { home: flags.home } : {}), ...(flags.file ? { file: flags.file } : {}) });
  const client = (): Client => {
    if (flags.remote !== undefined) {
      if (!resolveRemote) throw new Error('makeCtx: --remote needs the remotes module (see src/cli/main.ts)');
      return new Client(where.home, { remote: resolveRemote(flags.remote) });
    }
    return new Client(where.home, flags.cap !== undefined ? { cap: flags.cap } : {});
  };
  return { flags, args, values, where, client };
}
