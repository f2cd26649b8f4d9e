// kelpie fleet status: every remote node (those the daemon links to, and the saved remotes)
// with its services side by side: one column per node, one row per service.
import { Client } from '../../client/client.js';
import { loadRemotes } from '../../client/remotes.js';
import { describeCapUrl, parseCapUrl } from '../../fleet/url.js';
import type { FleetNode, StatusResult } from '../../protocol/api.js';
import { KelpieError } from '../../protocol/errors.js';
import type { Command } from '../command.js';
import { c, out, printJson, stateText, usage } from '../output.js';

/** One node as shown: its link (or a direct look), and its services' states. */
interface Column {
  readonly name: string;
  readonly where: string;
  readonly via: 'daemon' | 'direct';
  readonly link: string;
  readonly error: string | null;
  readonly services: Record<string, string>;
}

async function direct(name: string, text: string, home: string): Promise<Column> {
  const r = parseCapUrl(text);
  if (!r.ok) return { name, where: '(invalid URL)', via: 'direct', link: 'invalid', error: r.reason, services: {} };
  try {
    const s = await new Client(home, { remote: r.url }).call<StatusResult>('GET', '/v1/status');
    return { name, where: describeCapUrl(r.url), via: 'direct', link: 'up', error: null, services: Object.fromEntries(s.services.map((x) => [x.name, x.state])) };
  } catch (err) {
    const e = err as KelpieError;
    const link = e.code === 'KELPIE_E_IDENTITY' || e.code === 'KELPIE_E_UNAUTHORIZED' ? 'refused' : 'unreachable';
    return { name, where: describeCapUrl(r.url), via: 'direct', link, error: e.message, services: {} };
  }
}

export const fleet: Command = {
  name: 'fleet',
  summary: 'every remote node and its services side by side',
  usage: 'status',
  args: [1, 1],
  async run(ctx) {
    if (ctx.args[0] !== 'status') throw usage(`fleet: unknown subcommand ${JSON.stringify(ctx.args[0])}`, 'kelpie fleet status');
    let nodes: FleetNode[] = [];
    let local: StatusResult | null = null;
    let daemonError: string | null = null;
    try {
      const client = ctx.client();
      nodes = await client.call<FleetNode[]>('GET', '/v1/fleet');
      local = await client.status();
    } catch (err) {
      daemonError = (err as Error).message; // no local daemon: the saved remotes are still shown
    }
    const cols: Column[] = nodes.map((n) => ({
      name: n.name, where: n.where, via: 'daemon', link: n.link, error: n.error,
      services: Object.fromEntries(n.services.map((s) => [s.name, s.state])),
    }));
    const saved = ctx.flags.remote === undefined ? loadRemotes() : {};
    for (const [name, url] of Object.entries(saved)) {
      if (cols.some((x) => x.name === name)) continue;
      cols.push(await direct(name, url, ctx.where.home));
    }
    const proxies = local?.services.filter((s) => s.remote) ?? [];
    if (ctx.flags.json) {
      printJson({ nodes: cols, proxies: proxies.map((p) => ({ name: p.name, state: p.state, ...p.remote })), daemon: daemonError === null ? 'up' : daemonError });
      return 0;
    }
    if (cols.length === 0) {
      out(`no remote nodes (none in [remotes] of the running config, none saved with kelpie remote add)${daemonError ? `; ${daemonError}` : ''}`);
      return 0;
    }
    for (const col of cols) {
      const link = col.link === 'up' ? c.green('up') : col.link === 'unreachable' ? c.magenta(col.link) : c.red(col.link);
      out(`${c.bold(col.name)}  ${col.where}  ${link}${col.via === 'direct' ? c.dim(' (looked up directly)') : ''}${col.error ? c.dim(`  ${col.error}`) : ''}`);
    }
    const names = [...new Set(cols.flatMap((x) => Object.keys(x.services)))].sort();
    if (names.length === 0) return 0;
    const w = Math.max(8, ...names.map((n) => n.length));
    const cw = cols.map((x) => Math.max(x.name.length, 11));
    out('');
    out(`${'SERVICE'.padEnd(w)}  ${cols.map((x, i) => x.name.toUpperCase().padEnd(cw[i]!)).join('  ')}`);
    for (const n of names) {
      const cells = cols.map((x, i) => {
        const st = x.services[n];
        const text = st === undefined ? '-' : x.link === 'up' ? st : `${st}?`; // ? = last known, the node is not answering
        return (st ? stateText(st).replace(st, text) : text) + ' '.repeat(Math.max(0, cw[i]! - text.length));
      });
      out(`${n.padEnd(w)}  ${cells.join('  ')}`);
    }
    if (proxies.length) {
      out('');
      out('local proxies:');
      for (const p of proxies) out(`  ${p.name} = ${p.remote!.service} on ${p.remote!.node}: ${stateText(p.state)}`);
    }
    return 0;
  },
};
