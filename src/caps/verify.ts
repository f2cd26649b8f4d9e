// The daemon's check of a presented token: recompute the chain with the root key, compare in
// constant time, then the revocation list, then every caveat about time and place.
import { timingSafeEqual } from 'node:crypto';
import { Permission } from './permission.js';
import { chainSig, type Token } from './token.js';

/** What the verifier knows about here and now. */
export interface VerifyContext {
  /** This node's fingerprint, for `node` caveats. */
  readonly nodeFingerprint: string;
  /** The current time, unix ms. */
  readonly now: number;
  /** Revoked token ids (with everything granted from them: see revokedClosure). */
  readonly revoked: ReadonlySet<string>;
}

/** A verified token's permission, or why it is refused (never quoting the token). */
export type VerifyResult = { readonly ok: true; readonly perms: Permission } | { readonly ok: false; readonly reason: string };

/** Whether `token` was signed under `rootKey` (its chain is intact); nothing else is checked. */
export function verifySignature(rootKey: Buffer, token: Token): boolean {
  const expected = chainSig(rootKey, token.id, token.caveats);
  return token.sig.length === expected.length && timingSafeEqual(token.sig, expected);
}

/** Checks `token` completely and returns what it allows. */
export function verify(rootKey: Buffer, token: Token, ctx: VerifyContext): VerifyResult {
  if (!verifySignature(rootKey, token)) return no('the capability is not valid here (its signature does not match this daemon\'s key)');
  if (ctx.revoked.has(token.id)) return no(`the capability ${token.id} has been revoked`);
  for (const c of token.caveats) {
    if (c.kind === 'expires' && !(ctx.now < c.at)) return no(`the capability expired at ${new Date(c.at).toISOString()}`);
    if (c.kind === 'node' && c.fingerprint !== ctx.nodeFingerprint) return no('the capability is valid only on another node');
  }
  return { ok: true, perms: new Permission(token.caveats) };
}

function no(reason: string): VerifyResult {
  return { ok: false, reason };
}
