// One line of audit.log: JSON with a fixed key order, one request per line. JSON escaping
// keeps a hostile service name from forging a line; anything shaped like a token is blanked
// as a last guard, since tokens must never reach a log.

/** How a request ended. */
export type AuditOutcome = 'allowed' | 'refused' | 'failed';

/** One audited request. */
export interface AuditRecord {
  /** When it was decided (unix ms). */
  readonly time: number;
  /** The action requested (an Action, or the API route when no action applies). */
  readonly action: string;
  /** The service or object acted on; null for daemon-wide actions. */
  readonly target: string | null;
  /** The id of the presented token; null when none was presented or it could not be decoded. */
  readonly tokenId: string | null;
  /** The peer's credentials from SO_PEERCRED; null where unknown (TCP, no FFI). */
  readonly peer: { readonly uid: number; readonly pid: number } | null;
  readonly outcome: AuditOutcome;
  /** Why it was refused or failed. */
  readonly reason?: string;
}

const TOKEN_LIKE = /kelpie-cap-v\d+\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?/g;

/** The line written for `r`, newline included. */
export function encodeAuditLine(r: AuditRecord): string {
  const line = {
    time: new Date(r.time).toISOString(),
    action: clean(r.action, 64),
    target: r.target === null ? null : clean(r.target, 256),
    token: r.tokenId === null ? null : clean(r.tokenId, 32),
    uid: r.peer?.uid ?? null,
    pid: r.peer?.pid ?? null,
    outcome: r.outcome,
    ...(r.reason === undefined ? {} : { reason: clean(r.reason, 512) }),
  };
  return `${JSON.stringify(line)}\n`;
}

function clean(s: string, max: number): string {
  const t = s.replace(TOKEN_LIKE, '[capability]');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
