// Tokens as an HMAC-SHA256 chain (macaroon-style):
//   sig0 = HMAC(rootKey, id);  sig_i = HMAC(sig_{i-1}, canonical(caveat_i))
// Whoever holds a token can append a caveat (attenuate) without the root key, but cannot
// remove or reorder one: that would need an earlier link of the chain, which HMAC hides.
import { createHmac, randomBytes } from 'node:crypto';
import { canonicalCaveat, parseCaveat, type Caveat } from './caveat.js';

/** A capability: the root grant it descends from, its caveats in order, and the chain's last link. */
export interface Token {
  /** 32 lowercase hex digits naming the root grant; shared by every token derived from it. */
  readonly id: string;
  readonly caveats: readonly Caveat[];
  /** The last HMAC of the chain (32 bytes). The secret part: never log or show it. */
  readonly sig: Buffer;
}

/** What may be shown about a token: everything but its signature. */
export interface TokenDescription {
  readonly id: string;
  readonly caveats: readonly Caveat[];
  /** The earliest `expires` caveat (unix ms), or null when the token never expires. */
  readonly expires: number | null;
}

/** The shape of a token id. */
export const ID_RE = /^[0-9a-f]{32}$/;
/** Bytes a root key must have at least. */
export const ROOT_KEY_BYTES = 32;

/** A fresh random token id (16 bytes, hex). */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

/** The unrestricted token for `id` (random unless given) under `rootKey`. */
export function mintRoot(rootKey: Buffer, id: string = newId()): Token {
  if (rootKey.length < ROOT_KEY_BYTES) throw new RangeError(`a root key needs at least ${ROOT_KEY_BYTES} bytes`);
  if (!ID_RE.test(id)) throw new TypeError('a token id is 32 lowercase hex digits');
  return freeze(id, [], hmac(rootKey, id));
}

/** `token` narrowed by one more caveat. Needs no key: anyone holding the token can do it. */
export function attenuate(token: Token, caveat: Caveat): Token {
  const r = parseCaveat(caveat);
  if (!r.ok) throw new TypeError(`invalid caveat: ${r.reason}`);
  return freeze(token.id, [...token.caveats, r.caveat], hmac(token.sig, canonicalCaveat(r.caveat)));
}

/**
 * A new grant minted by the daemon for the holder of `parent` (already verified): a fresh id,
 * so it can be listed, audited and revoked on its own, carrying every caveat of `parent` and
 * then `extra`, so it never allows more than `parent`. Record `parent.id` beside it so that
 * revoking the parent revokes it too (see revokedClosure).
 */
export function grantFrom(rootKey: Buffer, parent: Token, extra: readonly Caveat[], id: string = newId()): Token {
  return [...parent.caveats, ...extra].reduce(attenuate, mintRoot(rootKey, id));
}

/** The signature a token with this id and these caveats must carry under `rootKey`. */
export function chainSig(rootKey: Buffer, id: string, caveats: readonly Caveat[]): Buffer {
  return caveats.reduce((sig, c) => hmac(sig, canonicalCaveat(c)), hmac(rootKey, id));
}

/** Everything about `token` except its signature. */
export function describe(token: Token): TokenDescription {
  const ats = token.caveats.flatMap((c) => (c.kind === 'expires' ? [c.at] : []));
  return { id: token.id, caveats: token.caveats, expires: ats.length === 0 ? null : Math.min(...ats) };
}

/** Builds a frozen token; `sig` is copied so no caller can change a token after the fact. */
export function freeze(id: string, caveats: readonly Caveat[], sig: Buffer): Token {
  return Object.freeze({ id, caveats: Object.freeze([...caveats]), sig: Buffer.from(sig) });
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
