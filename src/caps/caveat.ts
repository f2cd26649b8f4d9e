// Caveats: the conditions a token carries, every one of which must hold. Raw input (a decoded
// token, CLI flags, grants.json) becomes a Caveat only through parseCaveat, which also fixes the
// canonical form the HMAC chain signs: one JSON text per caveat, keys in a fixed order.
import { isAction, type Action } from './actions.js';
import { PATTERN_RE } from './glob.js';

/** Only the services matching one of these names or globs. */
export interface ServicesCaveat { readonly kind: 'services'; readonly patterns: readonly string[] }
/** Only these actions. */
export interface ActionsCaveat { readonly kind: 'actions'; readonly actions: readonly Action[] }
/** Only before this instant (unix ms, exclusive). */
export interface ExpiresCaveat { readonly kind: 'expires'; readonly at: number }
/** Only on the node with this fingerprint. */
export interface NodeCaveat { readonly kind: 'node'; readonly fingerprint: string }

/** One condition a token carries; a token allows only what all its caveats allow. */
export type Caveat = ServicesCaveat | ActionsCaveat | ExpiresCaveat | NodeCaveat;

/** A parsed caveat, or why the input is not one (the reason never quotes long or odd values). */
export type CaveatResult = { readonly ok: true; readonly caveat: Caveat } | { readonly ok: false; readonly reason: string };

/** Upper bounds that keep a token small and its checks cheap. */
export const CAVEAT_LIMITS = { listItems: 64, fingerprintLength: 256 } as const;

const FINGERPRINT_RE = /^[\x21-\x7e]+$/;

/** Validates and normalises one caveat (a fresh frozen object holding only the known keys). */
export function parseCaveat(raw: unknown): CaveatResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return no('must be an object');
  const o = raw as Record<string, unknown>;
  const keys = Object.keys(o);
  const only = (...allowed: string[]): CaveatResult | undefined => {
    const extra = keys.find((k) => !allowed.includes(k));
    return extra === undefined ? undefined : no(`unexpected field ${show(extra)}`);
  };
  switch (o.kind) {
    case 'services': {
      const bad = only('kind', 'patterns') ?? list(o.patterns, 'patterns');
      if (bad) return bad;
      const patterns = o.patterns as unknown[];
      const i = patterns.findIndex((p) => typeof p !== 'string' || !PATTERN_RE.test(p));
      if (i >= 0) return no(`patterns[${i}] ${show(patterns[i])} is not a service name or glob (letters, digits, _ . @ : / - * ?; 1-128 characters)`);
      return yes({ kind: 'services', patterns: Object.freeze([...(patterns as string[])]) });
    }
    case 'actions': {
      const bad = only('kind', 'actions') ?? list(o.actions, 'actions');
      if (bad) return bad;
      const actions = o.actions as unknown[];
      const i = actions.findIndex((a) => !isAction(a));
      if (i >= 0) return no(`actions[${i}] ${show(actions[i])} is not an action`);
      return yes({ kind: 'actions', actions: Object.freeze([...(actions as Action[])]) });
    }
    case 'expires': {
      const bad = only('kind', 'at');
      if (bad) return bad;
      if (!Number.isSafeInteger(o.at) || (o.at as number) < 0) return no('at must be a whole number of milliseconds since 1970 (UTC)');
      return yes({ kind: 'expires', at: o.at as number });
    }
    case 'node': {
      const bad = only('kind', 'fingerprint');
      if (bad) return bad;
      const f = o.fingerprint;
      if (typeof f !== 'string' || !FINGERPRINT_RE.test(f) || f.length > CAVEAT_LIMITS.fingerprintLength) {
        return no(`fingerprint must be 1-${CAVEAT_LIMITS.fingerprintLength} printable characters without spaces`);
      }
      return yes({ kind: 'node', fingerprint: f });
    }
    default:
      return no(`unknown kind ${show(o.kind)} (expected services, actions, expires or node)`);
  }
}

/** The exact text the HMAC chain signs for `c` (and the token payload carries). */
export function canonicalCaveat(c: Caveat): string {
  switch (c.kind) {
    case 'services': return JSON.stringify({ kind: c.kind, patterns: c.patterns });
    case 'actions': return JSON.stringify({ kind: c.kind, actions: c.actions });
    case 'expires': return JSON.stringify({ kind: c.kind, at: c.at });
    case 'node': return JSON.stringify({ kind: c.kind, fingerprint: c.fingerprint });
  }
}

function list(x: unknown, field: string): CaveatResult | undefined {
  if (!Array.isArray(x)) return no(`${field} must be a list`);
  if (x.length > CAVEAT_LIMITS.listItems) return no(`${field} has ${x.length} items (at most ${CAVEAT_LIMITS.listItems})`);
  return undefined;
}

/** Quotes short, plain values so a message can name them; anything else is only described. */
function show(x: unknown): string {
  return typeof x === 'string' && /^[\w.@:/*?-]{1,40}$/.test(x) ? `'${x}'` : `(${x === null ? 'null' : typeof x})`;
}

function yes(caveat: Caveat): CaveatResult {
  return { ok: true, caveat: Object.freeze(caveat) };
}

function no(reason: string): CaveatResult {
  return { ok: false, reason };
}
