// What every command receives: parsed flags, where the project is, and a client.
import { Client } from '../client/client.js';
import { locate, type Located } from '../client/home.js';
import { resolveRemote } from '../client/remotes.js';

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

export function makeCtx(flags: GlobalFlags, args: string[], values: Record<string, string | boolean | undefined>): Ctx {
  const where = locate({ ...(flags.home ? { home: flags.home } : {}), ...(flags.file ? { file: flags.file } : {}) });
  const client = (): Client => {
    if (flags.remote !== undefined) return new Client(where.home, { remote: resolveRemote(flags.remote) });
    return new Client(where.home, flags.cap !== undefined ? { cap: flags.cap } : {});
  };
  return { flags, args, values, where, client };
}
