// The controller's fleet: one link per remote node that a remote service names, built from
// [remotes] of the config and the user's remotes file (the config wins on a name in both).
import type { Config } from '../config/types.js';
import type { FleetNode } from '../protocol/api.js';
import { readRemotesFile, remotesFile } from '../protocol/remotes.js';
import { NodeLink } from './link.js';
import { parseCapUrl } from './url.js';

export class Fleet {
  readonly #links = new Map<string, NodeLink>();
  #urls: Record<string, string> = {};
  #fileError: string | null = null;

  constructor(private readonly home: string, private readonly say: (text: string) => void) {}

  /** Takes the node names of a (new) config; links already open stay as they are. */
  configure(config: Config): void {
    let user: Record<string, string> = {};
    this.#fileError = null;
    try {
      user = readRemotesFile(remotesFile());
    } catch (err) {
      this.#fileError = (err as Error).message;
    }
    this.#urls = { ...user, ...(config.global.remotes ?? {}) };
    for (const [name, link] of this.#links) {
      const r = this.#urls[name] === undefined ? null : parseCapUrl(this.#urls[name]!);
      if (r?.ok) link.retarget(r.url);
    }
  }

  /** Opens a link to every node named in [remotes] of the config (fleet status shows them all). */
  openConfigured(config: Config): void {
    for (const name of Object.keys(config.global.remotes ?? {})) this.link(name);
  }

  /** The link to `node`, opened on first use; null (and why) when the node is not known. */
  link(node: string): { link: NodeLink } | { link: null; why: string } {
    const have = this.#links.get(node);
    if (have) return { link: have };
    const text = this.#urls[node];
    const r = text === undefined ? null : parseCapUrl(text);
    if (!r || !r.ok) {
      const where = `[remotes] of the config or ${remotesFile()}${this.#fileError ? ` (${this.#fileError})` : ''}`;
      return { link: null, why: r ? `the URL for node ${node} is invalid: ${r.reason}` : `no node named "${node}" in ${where}` };
    }
    const link = new NodeLink(node, r.url, this.home, this.say);
    this.#links.set(node, link);
    link.open();
    return { link };
  }

  /** Closes links that no proxy uses and [remotes] of `config` does not name (after a reload). */
  prune(config: Config): void {
    for (const [name, l] of this.#links) {
      if (l.proxies > 0 || Object.hasOwn(config.global.remotes ?? {}, name)) continue;
      l.close();
      this.#links.delete(name);
    }
  }

  view(): FleetNode[] {
    return [...this.#links.values()].map((l) => l.view());
  }

  close(): void {
    for (const l of this.#links.values()) l.close();
  }
}
