// The capability files of one directory. With store-fs.ts (its file primitives), the only
// part of src/caps/ that touches the disk. Every file is 0600 and written atomically.
import { closeSync, constants, fchmodSync, openSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { encodeAuditLine, type AuditRecord } from './audit.js';
import { decode, encode } from './codec.js';
import { decodeGrants, decodeRevoked, encodeGrants, encodeRevoked, revokedClosure, type GrantRecord, type RecordsResult, type RevocationRecord } from './records.js';
import { ID_RE, mintRoot, type Token } from './token.js';
import { verifySignature } from './verify.js';
import { attempt, CapStoreError, checkOwned, ensureDir, readPrivate, writeAtomic } from './store-fs.js';

export { CapStoreError } from './store-fs.js';

/** The names of the files kept in the capability directory. */
export const CAP_FILES = { key: 'root.key', root: 'root.cap', revoked: 'revoked.json', grants: 'grants.json', audit: 'audit.log' } as const;

/** The root key (32 bytes), created if absent. */
export function loadRootKey(dir: string): Buffer {
  const path = join(ensureDir(dir), CAP_FILES.key);
  let text = readPrivate(path);
  if (text === undefined) {
    writeAtomic(path, `${randomBytes(32).toString('hex')}\n`, false);
    text = readPrivate(path) ?? '';
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new CapStoreError(path, 'not a root key (expected 64 hex digits)');
  return Buffer.from(hex, 'hex');
}

/** The owner's root token from root.cap; minted anew when absent, not signed by `rootKey`, or revoked. */
export function loadRootToken(dir: string, rootKey: Buffer, revoked: ReadonlySet<string> = new Set()): Token {
  const path = join(ensureDir(dir), CAP_FILES.root);
  const text = readPrivate(path);
  const r = text === undefined ? undefined : decode(text);
  if (r?.ok && r.token.caveats.length === 0 && !revoked.has(r.token.id) && verifySignature(rootKey, r.token)) return r.token;
  const token = mintRoot(rootKey);
  writeAtomic(path, `${encode(token)}\n`, true);
  return token;
}

/** The revocation list (empty when revoked.json is absent). */
export function readRevoked(dir: string): RevocationRecord[] {
  return readRecords(join(dir, CAP_FILES.revoked), decodeRevoked);
}

/** Adds `id` to the revocation list; false when it was already there. The daemon is the only writer. */
export function revoke(dir: string, id: string, now: number = Date.now()): boolean {
  if (!ID_RE.test(id)) throw new RangeError('a token id is 32 lowercase hex digits');
  const list = readRevoked(dir);
  if (list.some((r) => r.id === id)) return false;
  writeAtomic(join(ensureDir(dir), CAP_FILES.revoked), encodeRevoked([...list, { id, revoked: new Date(now).toISOString() }]), true);
  return true;
}

/** The grants list (empty when grants.json is absent). */
export function readGrants(dir: string): GrantRecord[] {
  return readRecords(join(dir, CAP_FILES.grants), decodeGrants);
}

/** Appends one grant to the list. */
export function recordGrant(dir: string, grant: GrantRecord): void {
  writeAtomic(join(ensureDir(dir), CAP_FILES.grants), encodeGrants([...readGrants(dir), grant]), true);
}

/** Every revoked id, with every grant descending from one: the set verify() takes. */
export function loadRevokedIds(dir: string): Set<string> {
  return revokedClosure(readRevoked(dir).map((r) => r.id), readGrants(dir));
}

/** audit.log, opened for appending: one write(2) per line, so concurrent lines never interleave. */
export class AuditLog {
  private constructor(readonly path: string, private fd: number | undefined) {}

  static open(dir: string): AuditLog {
    const path = join(ensureDir(dir), CAP_FILES.audit);
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
    const fd = attempt(path, 'cannot open', () => openSync(path, flags, 0o600));
    try {
      attempt(path, 'cannot restrict', () => fchmodSync(fd, 0o600)); // an old log left readable is tightened, not refused
      checkOwned(path, fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new AuditLog(path, fd);
  }

  /** Appends one record; throws CapStoreError when it cannot (the caller decides whether to refuse the request). */
  write(record: AuditRecord): void {
    const fd = this.fd;
    if (fd === undefined) throw new CapStoreError(this.path, 'the audit log is closed');
    const line = Buffer.from(encodeAuditLine(record));
    attempt(this.path, 'cannot append', () => {
      if (writeSync(fd, line) !== line.length) throw new Error('short write');
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function readRecords<T>(path: string, decodeText: (text: string) => RecordsResult<T>): T[] {
  const text = readPrivate(path);
  if (text === undefined) return [];
  const r = decodeText(text);
  if (!r.ok) throw new CapStoreError(path, `damaged (${r.reason}); fix or restore it, kelpie will not guess`);
  return r.records;
}
