// Finding the kelpie home a command talks to: --home, then KELPIE_HOME, then `.kelpie/`
// beside the config named by -f, then the nearest directory upward holding `.kelpie/` or
// kelpie.toml.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where a command's config and home are. */
export interface Located {
  readonly home: string;
  /** The config file (it may not exist, e.g. for `status` far from the project). */
  readonly config: string;
}

/** Resolves home and config from flags, environment and the working directory. */
export function locate(opts: { home?: string; file?: string }, cwd = process.cwd(), env = process.env): Located {
  const file = opts.file ? resolve(cwd, opts.file) : undefined;
  if (opts.home) return { home: resolve(cwd, opts.home), config: file ?? join(resolve(cwd, opts.home), '..', 'kelpie.toml') };
  if (env.KELPIE_HOME) return { home: resolve(cwd, env.KELPIE_HOME), config: file ?? resolve(cwd, 'kelpie.toml') };
  if (file) return { home: join(dirname(file), '.kelpie'), config: file };
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.kelpie', 'kelpie.sock')) || existsSync(join(dir, 'kelpie.toml'))) {
      return { home: join(dir, '.kelpie'), config: join(dir, 'kelpie.toml') };
    }
    if (dirname(dir) === dir) break;
  }
  return { home: resolve(cwd, '.kelpie'), config: resolve(cwd, 'kelpie.toml') };
}
