// Capabilities: attenuable bearer tokens (an HMAC chain of caveats), their verification,
// revocation and the audit log. Everything but store.ts / store-fs.ts is pure.
export { ACTIONS, FILTERED_ACTIONS, isAction, type Action } from './actions.js';
export { globMatch, anyMatch, PATTERN_RE } from './glob.js';
export { CAVEAT_LIMITS, canonicalCaveat, parseCaveat, type Caveat, type CaveatResult, type ServicesCaveat, type ActionsCaveat, type ExpiresCaveat, type NodeCaveat } from './caveat.js';
export { ID_RE, ROOT_KEY_BYTES, attenuate, chainSig, describe, grantFrom, mintRoot, newId, type Token, type TokenDescription } from './token.js';
export { MAX_CAVEATS, MAX_TOKEN_LENGTH, TOKEN_PREFIX, decode, encode, type DecodeResult } from './codec.js';
export { Permission } from './permission.js';
export { verify, verifySignature, type VerifyContext, type VerifyResult } from './verify.js';
export { RECORDS_VERSION, decodeGrants, decodeRevoked, encodeGrants, encodeRevoked, revokedClosure, type GrantRecord, type RecordsResult, type RevocationRecord } from './records.js';
export { encodeAuditLine, type AuditOutcome, type AuditRecord } from './audit.js';
export { AuditLog, CAP_FILES, CapStoreError, loadRevokedIds, loadRootKey, loadRootToken, readGrants, readRevoked, recordGrant, revoke } from './store.js';
