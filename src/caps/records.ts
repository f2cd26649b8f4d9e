// The pure halves of revoked.json and grants.json: their shapes, strict decoders (a damaged
// list is an error, never an empty list: an unreadable revocation list must not un-revoke
// anything) and the revocation closure over grants.
import { parseCaveat, type Caveat } from './caveat.js';
import { ID_RE } from './token.js';

/** One revoked token id. */
export interface RevocationRecord {
  readonly id: string;
  /** When it was revoked (ISO-8601, UTC). */
  readonly revoked: string;
}

/** One token the daemon granted: what it allows, never its signature. */
export interface GrantRecord {
  readonly id: string;
  /** The id of the token used to ask for this grant; revoking it revokes this one. */
  readonly parent: string | null;
  readonly caveats: readonly Caveat[];
  /** ISO-8601, UTC. */
  readonly created: string;
  /** The earliest `expires` caveat (ISO-8601, UTC), or null. */
  readonly expires: string | null;
  readonly note: string;
}

/** A decoded list, or what is wrong with it. */
export type RecordsResult<T> = { readonly ok: true; readonly records: T[] } | { readonly ok: false; readonly reason: string };

/** The version both files carry. */
export const RECORDS_VERSION = 1;

/** revoked.json's text. */
export function encodeRevoked(records: readonly RevocationRecord[]): string {
  return `${JSON.stringify({ version: RECORDS_VERSION, revoked: records.map((r) => ({ id: r.id, revoked: r.revoked })) }, null, 2)}\n`;
}

/** grants.json's text. */
export function encodeGrants(records: readonly GrantRecord[]): string {
  const grants = records.map((g) => ({ id: g.id, parent: g.parent, caveats: g.caveats, created: g.created, expires: g.expires, note: g.note }));
  return `${JSON.stringify({ version: RECORDS_VERSION, grants }, null, 2)}\n`;
}

/** Parses revoked.json. */
export function decodeRevoked(text: string): RecordsResult<RevocationRecord> {
  return decodeList(text, 'revoked', (o) =>
    isId(o.id) && typeof o.revoked === 'string' ? { id: o.id, revoked: o.revoked } : 'needs an id and a revoked time');
}

/** Parses grants.json. */
export function decodeGrants(text: string): RecordsResult<GrantRecord> {
  return decodeList(text, 'grants', (o) => {
    if (!isId(o.id) || !(o.parent === null || isId(o.parent))) return 'needs an id and a parent id (or null)';
    if (typeof o.created !== 'string' || !(o.expires === null || typeof o.expires === 'string') || typeof o.note !== 'string') {
      return 'needs created, expires (or null) and note';
    }
    if (!Array.isArray(o.caveats)) return 'caveats must be a list';
    const caveats: Caveat[] = [];
    for (const c of o.caveats) {
      const r = parseCaveat(c);
      if (!r.ok) return `caveat: ${r.reason}`;
      caveats.push(r.caveat);
    }
    return { id: o.id, parent: o.parent, caveats, created: o.created, expires: o.expires, note: o.note };
  });
}

/** `revoked` plus every grant descending from a revoked id, through any number of grants. */
export function revokedClosure(revoked: Iterable<string>, grants: readonly GrantRecord[]): Set<string> {
  const children = new Map<string, string[]>();
  for (const g of grants) if (g.parent !== null) children.set(g.parent, [...(children.get(g.parent) ?? []), g.id]);
  const out = new Set<string>();
  const todo = [...revoked];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (out.has(id)) continue;
    out.add(id);
    todo.push(...(children.get(id) ?? []));
  }
  return out;
}

function decodeList<T>(text: string, key: string, item: (o: Record<string, unknown>) => T | string): RecordsResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const doc = json as Record<string, unknown> | null;
  if (typeof doc !== 'object' || doc === null || doc.version !== RECORDS_VERSION || !Array.isArray(doc[key])) {
    return { ok: false, reason: `expected {"version": ${RECORDS_VERSION}, "${key}": [...]}` };
  }
  const records: T[] = [];
  for (const [i, raw] of (doc[key] as unknown[]).entries()) {
    const r = typeof raw === 'object' && raw !== null ? item(raw as Record<string, unknown>) : 'must be an object';
    if (typeof r === 'string') return { ok: false, reason: `${key}[${i}]: ${r}` };
    records.push(r);
  }
  return { ok: true, records };
}

function isId(x: unknown): x is string {
  return typeof x === 'string' && ID_RE.test(x);
}
