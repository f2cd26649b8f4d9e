// The user's remotes file: node name → capability URL, written by `kelpie remote add` and read
// by the CLI (--remote NAME) and the config loader (remote services naming a node). A contract
// between CLI and daemon, so it lives here. The URLs are secrets: the file is 0600, and one
// that others can read is refused.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** $KELPIE_CONFIG_HOME/remotes.json, else $XDG_CONFIG_HOME/kelpie/remotes.json, else ~/.config/kelpie/remotes.json. */
export function remotesFile(env = process.env): string {
  if (env.KELPIE_CONFIG_HOME) return join(env.KELPIE_CONFIG_HOME, 'remotes.json');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'kelpie', 'remotes.json');
}

/** The remotes in `path` ({} when it does not exist); throws with the file named on anything else. */
export function readRemotesFile(path: string): Record<string, string> {
  let text: string;
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) throw new Error(`${path} is open to other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err instanceof Error && !(err as NodeJS.ErrnoException).code ? err : new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON; fix or remove it`);
  }
  const remotes = (doc as { version?: unknown; remotes?: unknown }).remotes;
  if ((doc as { version?: unknown }).version !== 1 || typeof remotes !== 'object' || remotes === null || Array.isArray(remotes)
    || !Object.values(remotes).every((v) => typeof v === 'string')) {
    throw new Error(`${path} is not a kelpie remotes file ({"version":1,"remotes":{NAME:URL}})`);
  }
  return { ...(remotes as Record<string, string>) };
}

/** The file's text for `remotes`. */
export function encodeRemotes(remotes: Readonly<Record<string, string>>): string {
  return `${JSON.stringify({ version: 1, remotes }, null, 2)}\n`;
}
