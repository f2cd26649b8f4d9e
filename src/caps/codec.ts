// The token's text form: kelpie-cap-v1.<base64url(JSON {id, caveats})>.<base64url(sig)>
// Decoding is strict: only the exact text encode() would produce is accepted, so every changed
// character is either refused here or makes the signature check fail. Reasons never quote
// the token, its payload or its signature.
import { canonicalCaveat, parseCaveat, type Caveat } from './caveat.js';
import { freeze, ID_RE, type Token } from './token.js';

/** The version prefix of the text form. */
export const TOKEN_PREFIX = 'kelpie-cap-v1';
/** The longest token text decode() reads. */
export const MAX_TOKEN_LENGTH = 16384;
/** The most caveats one token may carry. */
export const MAX_CAVEATS = 64;

/** A decoded token, or why the text is not one. */
export type DecodeResult = { readonly ok: true; readonly token: Token } | { readonly ok: false; readonly reason: string };

/** The text form of `token`. It is a bearer secret: whoever holds it has its power. */
export function encode(token: Token): string {
  // The same text as JSON.stringify({ id, caveats }), with each caveat in its signed form.
  const payload = `{"id":${JSON.stringify(token.id)},"caveats":[${token.caveats.map(canonicalCaveat).join(',')}]}`;
  return `${TOKEN_PREFIX}.${Buffer.from(payload, 'utf8').toString('base64url')}.${token.sig.toString('base64url')}`;
}

/** Parses the text form. Never throws; checks the shape only (verify() checks the signature). */
export function decode(text: unknown): DecodeResult {
  if (typeof text !== 'string') return no('a capability must be text');
  const t = text.trim(); // a token read from a file usually ends with a newline
  if (t === '') return no('the capability is empty');
  if (t.length > MAX_TOKEN_LENGTH) return no(`the capability is too long (${t.length} characters, at most ${MAX_TOKEN_LENGTH})`);
  const parts = t.split('.');
  if (parts[0] !== TOKEN_PREFIX) {
    return no(/^kelpie-cap-v\d+$/.test(parts[0] ?? '')
      ? `unsupported capability version '${parts[0]}' (this kelpie reads ${TOKEN_PREFIX})`
      : `not a kelpie capability (expected text starting with '${TOKEN_PREFIX}.')`);
  }
  if (parts.length !== 3) return no(`malformed capability: expected 3 parts separated by '.', found ${parts.length}`);
  const payload = fromBase64url(parts[1]!);
  if (!payload) return no('malformed capability: the payload is not base64url');
  const sig = fromBase64url(parts[2]!);
  if (!sig) return no('malformed capability: the signature is not base64url');
  if (sig.length !== 32) return no(`malformed capability: the signature has ${sig.length} bytes, expected 32`);
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return no('malformed capability: the payload is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return no('malformed capability: the payload is not an object');
  const { id, caveats: raw } = json as Record<string, unknown>;
  if (typeof id !== 'string' || !ID_RE.test(id)) return no('malformed capability: id must be 32 lowercase hex digits');
  if (!Array.isArray(raw)) return no('malformed capability: caveats must be a list');
  if (raw.length > MAX_CAVEATS) return no(`malformed capability: ${raw.length} caveats (at most ${MAX_CAVEATS})`);
  const caveats: Caveat[] = [];
  for (const [i, c] of raw.entries()) {
    const r = parseCaveat(c);
    if (!r.ok) return no(`malformed capability: caveat ${i + 1}: ${r.reason}`);
    caveats.push(r.caveat);
  }
  const token = freeze(id, caveats, sig);
  if (encode(token) !== t) return no('malformed capability: not in canonical form (extra fields, spacing or encoding)');
  return { ok: true, token };
}

/** Strict base64url: no padding, no stray bits, only the characters encode() writes. */
function fromBase64url(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64url');
  return b.toString('base64url') === s ? b : undefined;
}

function no(reason: string): DecodeResult {
  return { ok: false, reason };
}
