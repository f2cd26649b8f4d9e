// Every API request carries a capability (Authorization: Bearer …). The gate verifies it,
// answers whether it allows an action on a service, and writes every decision to audit.log.
// Tokens never appear in messages or logs.
import type { IncomingMessage } from 'node:http';
import {
  AuditLog, decode, encode, grantFrom, loadRevokedIds, loadRootKey, loadRootToken, recordGrant, readGrants, revoke, verify,
  describe as describeToken, type Action, type Caveat, type GrantRecord, type Permission, type Token,
} from '../caps/index.js';
import { peerCred, type PeerCred } from '../os/peercred.js';
import { KelpieError } from '../protocol/errors.js';

/** What a verified request may do, and who sent it. */
export interface Caller {
  readonly perms: Permission;
  readonly token: Token;
  readonly peer: PeerCred | null;
}

export class Gate {
  readonly #key: Buffer;
  readonly #audit: AuditLog;
  #revoked: Set<string>;
  /** Open streams (events, logs), by the id of the token that opened them: a revocation ends them. */
  readonly #streams = new Set<{ id: string; end: () => void }>();

  /** `fingerprint` is this node's identity (its key, see src/fleet/identity.ts), for `node` caveats. */
  constructor(private readonly dir: string, readonly fingerprint: string) {
    this.#key = loadRootKey(dir);
    this.#revoked = loadRevokedIds(dir);
    loadRootToken(dir, this.#key, this.#revoked);
    this.#audit = AuditLog.open(dir);
  }

  /** Registers a stream opened with `c`'s token; returns its unregister function. */
  holdStream(c: Caller, end: () => void): () => void {
    const entry = { id: c.token.id, end };
    this.#streams.add(entry);
    return () => this.#streams.delete(entry);
  }

  /** Verifies the request's capability; refuses (and audits) a missing or invalid one. */
  caller(req: IncomingMessage, action: Action, target: string): Caller {
    // SO_PEERCRED means something only on the Unix socket; over TCP (the dashboard) Linux
    // answers uid 2^32-1, pid 0, which must not be audited as a peer.
    const peer = req.socket.remoteAddress === undefined ? peerCred(req.socket) : null;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/.exec(header);
    const refuse = (reason: string, id: string | null = null): never => {
      this.#write(action, target, id, peer, 'refused', reason);
      throw new KelpieError('KELPIE_E_UNAUTHORIZED', `not permitted: ${reason}`, 'pass a capability with --cap FILE or KELPIE_CAP; the owner\'s is root.cap in the kelpie home');
    };
    if (!m) return refuse('the request carries no capability');
    const d = decode(m[1]!);
    if (!d.ok) return refuse(`the capability is malformed (${d.reason})`);
    const v = verify(this.#key, d.token, { nodeFingerprint: this.fingerprint, now: Date.now(), revoked: this.#revoked });
    if (!v.ok) return refuse(v.reason, d.token.id);
    return { perms: v.perms, token: d.token, peer };
  }

  /** Checks `action` on each service (or the daemon itself when none); audits the outcome. */
  allow(c: Caller, action: Action, services: readonly string[] | null, target: string): void {
    const list = services ?? [undefined];
    for (const svc of list) {
      const why = c.perms.refusal(action, svc);
      if (why !== undefined) {
        this.#write(action, target, c.token.id, c.peer, 'refused', why);
        throw new KelpieError('KELPIE_E_FORBIDDEN', `not permitted: ${why}`);
      }
    }
    this.#write(action, target, c.token.id, c.peer, 'allowed');
  }

  /** Mints a capability narrower than (or equal to) the caller's own, and records it. */
  grant(c: Caller, extra: readonly Caveat[], note: string): { id: string; token: string; grant: GrantRecord } {
    const token = grantFrom(this.#key, c.token, extra);
    const d = describeToken(token);
    const grant: GrantRecord = {
      id: token.id, parent: c.token.id, caveats: token.caveats, created: new Date().toISOString(),
      expires: d.expires === null ? null : new Date(d.expires).toISOString(), note,
    };
    recordGrant(this.dir, grant);
    return { id: token.id, token: encode(token), grant };
  }

  grants(): GrantRecord[] {
    return readGrants(this.dir);
  }

  /** Revokes an id and everything granted from it; true if it was not revoked before. */
  revoke(id: string): boolean {
    const fresh = revoke(this.dir, id);
    this.#revoked = loadRevokedIds(this.dir);
    // Revocation applies at once, also to what is already open.
    for (const s of [...this.#streams]) {
      if (!this.#revoked.has(s.id)) continue;
      this.#streams.delete(s);
      s.end();
    }
    return fresh;
  }

  #write(action: string, target: string, tokenId: string | null, peer: PeerCred | null, outcome: 'allowed' | 'refused', reason?: string): void {
    try {
      this.#audit.write({
        time: Date.now(), action, target: target || null, tokenId,
        peer: peer ? { uid: peer.uid, pid: peer.pid } : null, outcome, ...(reason ? { reason } : {}),
      });
    } catch {
      // A request that cannot be audited is refused by the caller's own error path.
      throw new KelpieError('KELPIE_E_INTERNAL', 'cannot write the audit log; request refused');
    }
  }
}
