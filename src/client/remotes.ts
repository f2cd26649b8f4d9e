// Saved remotes (kelpie remote add NAME URL): the user's remotes file, 0600 in a 0700
// directory, written atomically. --remote takes a URL or one of these names.
import { dirname } from 'node:path';
import { ensureDir, writeAtomic } from '../caps/store-fs.js';
import { parseCapUrl, type CapUrl } from '../fleet/url.js';
import { KelpieError } from '../protocol/errors.js';
import { encodeRemotes, readRemotesFile, remotesFile } from '../protocol/remotes.js';

/** The saved remotes; a damaged file is a usage error naming it. */
export function loadRemotes(path = remotesFile()): Record<string, string> {
  try {
    return readRemotesFile(path);
  } catch (err) {
    throw new KelpieError('KELPIE_E_USAGE', (err as Error).message);
  }
}

/** Replaces the saved remotes. */
export function saveRemotes(remotes: Readonly<Record<string, string>>, path = remotesFile()): void {
  ensureDir(dirname(path));
  writeAtomic(path, encodeRemotes(remotes), true);
}

/** A capability URL, or a saved remote's name → the parsed URL. Never quotes a capability. */
export function resolveRemote(arg: string): CapUrl {
  const text = arg.startsWith('kelpie://') ? arg : loadRemotes()[arg];
  if (text === undefined) {
    const names = Object.keys(loadRemotes());
    throw new KelpieError('KELPIE_E_USAGE', `--remote: no remote named "${arg}" in ${remotesFile()}`, names.length ? `saved remotes: ${names.join(', ')}` : 'save one with kelpie remote add NAME URL, or pass a kelpie:// URL');
  }
  const r = parseCapUrl(text);
  if (!r.ok) throw new KelpieError('KELPIE_E_USAGE', `--remote${arg.startsWith('kelpie://') ? '' : ` ${arg}`}: not a capability URL: ${r.reason}`);
  return r.url;
}
