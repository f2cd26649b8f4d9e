// The fleet parts of a config: [api] listen, [remotes] (name → capability URL), and that every
// remote service names a node known there or in the user's remotes file (kelpie remote add).
import { parseCapUrl, parseListen } from '../fleet/url.js';
import { readRemotesFile, remotesFile } from '../protocol/remotes.js';
import type { Issues } from './issues.js';
import type { MapEntry } from './check.js';
import type { ServiceSpec } from './types.js';
import type { TTable } from './toml.js';

/** Checks the fleet keys of the main file; returns them for GlobalSpec. */
export function checkFleet(root: TTable, top: Record<string, unknown>, services: Readonly<Record<string, ServiceSpec>>, issues: Issues, mainFile: string): { listen: string | null; remotes: Record<string, string> } {
  const api = top['api'] as { listen?: string } | undefined;
  const listen = api?.listen ?? null;
  if (listen !== null) {
    const r = parseListen(listen);
    const apiNode = root.entries.get('api')?.node;
    const at = (apiNode?.kind === 'table' ? apiNode.entries.get('listen')?.node.loc : undefined) ?? root.loc;
    if (!r.ok) issues.add(at, 'api.listen', { message: `invalid listen address: ${r.reason}`, received: JSON.stringify(listen) });
  }
  const remotes: Record<string, string> = {};
  for (const e of (top['remotes'] as MapEntry[] | undefined) ?? []) {
    const url = e.value as unknown as string;
    const r = parseCapUrl(url);
    // The URL holds a capability: never echo it back.
    if (!r.ok) issues.add(e.loc, `remotes.${e.key}`, { message: `not a capability URL: ${r.reason}`, expected: 'kelpie://FINGERPRINT@host:port/CAPABILITY (from kelpie grant --url on that node)' });
    else remotes[e.key] = url;
  }
  const needed = Object.values(services).filter((s) => s.remote && !remotes[s.remote.node]);
  if (needed.length === 0) return { listen, remotes };
  let user: Record<string, string> = {};
  let why = '';
  try {
    user = readRemotesFile(remotesFile());
  } catch (err) {
    why = ` (${(err as Error).message})`;
  }
  for (const s of needed) {
    if (user[s.remote!.node]) continue;
    // A service from an included file is reported in that file (by its absolute path).
    const sink = s.source.file === mainFile ? issues : issues.forFile(s.source.file);
    sink.add({ line: s.source.line, column: 0 }, `services.${s.name}.remote.node`, {
      message: `no node named ${JSON.stringify(s.remote!.node)} in [remotes] of this file or in ${remotesFile()}${why}`,
      hint: `add it: [remotes] ${s.remote!.node} = "kelpie://…", or kelpie remote add ${s.remote!.node} URL`,
    });
  }
  return { listen, remotes };
}
