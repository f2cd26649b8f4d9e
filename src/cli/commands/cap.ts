// kelpie grant …: mint a narrower capability; kelpie cap attenuate|list|revoke.
// attenuate works offline: narrowing a token needs no key, only the token.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { formatCapUrl, parseListen } from '../../fleet/url.js';
import { attenuate, decode, describe, encode, parseCaveat, type Caveat } from '../../caps/index.js';
import { findCapability } from '../../client/client.js';
import { KelpieError } from '../../protocol/errors.js';
import { parseDuration } from '../../config/index.js';
import type { Command } from '../command.js';
import type { Ctx } from '../context.js';
import { out, printJson, usage } from '../output.js';

const NARROW = {
  services: { type: 'string' },
  actions: { type: 'string' },
  expires: { type: 'string' },
  node: { type: 'string' },
  out: { type: 'string', short: 'o' },
  note: { type: 'string' },
} as const;

/** The caveats the narrowing flags ask for. */
function caveatsFrom(ctx: Ctx): Caveat[] {
  const raw: unknown[] = [];
  const list = (v: unknown): string[] => String(v).split(',').map((x) => x.trim()).filter(Boolean);
  if (ctx.values.services !== undefined) raw.push({ kind: 'services', patterns: list(ctx.values.services) });
  if (ctx.values.actions !== undefined) raw.push({ kind: 'actions', actions: list(ctx.values.actions) });
  if (ctx.values.expires !== undefined) {
    const d = parseDuration(ctx.values.expires);
    if (!d.ok) throw usage(`--expires takes a duration like 1h or 7d: ${d.expected}`);
    raw.push({ kind: 'expires', at: Date.now() + d.value });
  }
  if (ctx.values.node !== undefined) raw.push({ kind: 'node', fingerprint: String(ctx.values.node) });
  return raw.map((r) => {
    const c = parseCaveat(r);
    if (!c.ok) throw usage(c.reason);
    return c.caveat;
  });
}

/** Writes a token to --out (0600) or prints it. */
function emit(ctx: Ctx, token: string, id: string): void {
  const file = ctx.values.out as string | undefined;
  if (file) {
    try {
      writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw usage(`cannot write ${file}: ${code === 'EEXIST' ? 'it exists already (capabilities are never overwritten)' : code ?? String(err)}`);
    }
    if (ctx.flags.json) printJson({ id, file });
    else out(`capability ${id} written to ${file}`);
  } else if (ctx.flags.json) printJson({ id, token });
  else out(token);
}

export const grant: Command = {
  name: 'grant',
  summary: 'mint a capability narrower than yours (--services, --actions, --expires); --url: as a capability URL for another machine',
  usage: "[--services 'web-*'] [--actions status,logs,restart] [--expires 7d] [--url [--host HOST]] [--out FILE] [--note TEXT]",
  args: [0, 0],
  options: { ...NARROW, url: { type: 'boolean' }, host: { type: 'string' } },
  async run(ctx) {
    const caveats = caveatsFrom(ctx);
    const asUrl = ctx.values.url === true;
    if (ctx.values.host !== undefined && !asUrl) throw usage('grant: --host only goes with --url');
    if (caveats.length === 0 && !asUrl) throw usage('grant: say what the capability is limited to', 'e.g. --services web --actions status,restart');
    const client = ctx.client();
    if (!asUrl) {
      const r = await client.grant(caveats, (ctx.values.note as string | undefined) ?? '');
      emit(ctx, r.token, r.id);
      return 0;
    }
    // A URL names this node by its key; the capability is bound to it too (a node caveat), so
    // it is worthless anywhere else even if several nodes ever shared a root key.
    const node = (await client.status()).daemon.node;
    if (!node?.listen) throw new KelpieError('KELPIE_E_USAGE', 'grant --url: this node does not listen on TCP', 'set [api] listen = "0.0.0.0:7443" in kelpie.toml, then kelpie reload');
    const l = parseListen(node.listen);
    if (!l.ok) throw new KelpieError('KELPIE_E_INTERNAL', `the daemon reports an invalid listen address ${node.listen}`);
    const wildcard = l.host === '0.0.0.0' || l.host === '::';
    const host = (ctx.values.host as string | undefined) ?? (wildcard ? hostname() : l.host);
    const bound = caveats.some((x) => x.kind === 'node') ? caveats : [...caveats, { kind: 'node' as const, fingerprint: node.fingerprint }];
    const r = await client.grant(bound, (ctx.values.note as string | undefined) ?? '');
    const url = formatCapUrl({ fingerprint: node.fingerprint, host, port: l.port, token: r.token });
    emit(ctx, url, r.id);
    return 0;
  },
};

export const cap: Command = {
  name: 'cap',
  summary: 'capabilities: attenuate (offline), list, revoke ID',
  usage: 'attenuate [--services …] [--actions …] [--expires …] [--out FILE] | list | revoke ID',
  args: [1, 2],
  options: NARROW,
  async run(ctx) {
    const [sub, id] = ctx.args;
    if (sub === 'attenuate') {
      const text = findCapability(ctx.where.home, ctx.flags.cap);
      if (!text) throw new KelpieError('KELPIE_E_USAGE', 'no capability to attenuate', 'pass one with --cap FILE or KELPIE_CAP');
      const d = decode(text);
      if (!d.ok) throw new KelpieError('KELPIE_E_USAGE', `the capability is malformed: ${d.reason}`);
      const caveats = caveatsFrom(ctx);
      if (caveats.length === 0) throw usage('attenuate: name at least one of --services, --actions, --expires, --node');
      const t = caveats.reduce(attenuate, d.token);
      emit(ctx, encode(t), t.id);
      return 0;
    }
    if (sub === 'list') {
      const grants = await ctx.client().grants();
      if (ctx.flags.json) printJson(grants);
      else for (const g of grants as Array<{ id: string; caveats: Caveat[]; expires: string | null; note: string; parent: string | null }>) {
        out(`${g.id}  expires ${g.expires ?? 'never'}  ${g.caveats.map((c) => JSON.stringify(c)).join(' ')}${g.note ? `  # ${g.note}` : ''}`);
      }
      return 0;
    }
    if (sub === 'revoke' && id) {
      const r = await ctx.client().revoke(id);
      if (ctx.flags.json) printJson(r);
      else out(r.revoked ? `revoked ${id} and everything derived from it` : `${id} was already revoked`);
      return 0;
    }
    if (sub === 'show') {
      const text = findCapability(ctx.where.home, ctx.flags.cap);
      const d = text ? decode(text) : null;
      if (!d || !d.ok) throw new KelpieError('KELPIE_E_USAGE', 'no readable capability');
      printJson(describe(d.token));
      return 0;
    }
    throw usage(`cap: unknown subcommand ${JSON.stringify(sub)}`, 'cap attenuate | list | revoke ID | show');
  },
};
