// The one registry of error codes shared by the API, the CLI and docs/errors.md.
// Codes are stable: a retired code is never reused. test/protocol/errors.test.ts checks
// that this table and docs/errors.md list the same codes.

/** Everything known about one error code. */
export interface ErrorDef {
  /** HTTP status the API answers with. */
  readonly status: number;
  /** CLI exit code (see docs/cli.md). */
  readonly exit: number;
  readonly summary: string;
}

export const ERRORS = {
  KELPIE_E_USAGE: { status: 400, exit: 2, summary: 'the command line or request is malformed' },
  KELPIE_E_CONFIG: { status: 400, exit: 2, summary: 'the configuration is invalid' },
  KELPIE_E_BAD_REQUEST: { status: 400, exit: 2, summary: 'the API request is malformed' },
  KELPIE_E_UNKNOWN_SERVICE: { status: 404, exit: 3, summary: 'no service has that name' },
  KELPIE_E_NOT_FOUND: { status: 404, exit: 2, summary: 'no such API route' },
  KELPIE_E_DISABLED: { status: 409, exit: 1, summary: 'the service is disabled' },
  KELPIE_E_START_FAILED: { status: 500, exit: 1, summary: 'a service failed to start' },
  KELPIE_E_STOP_FAILED: { status: 500, exit: 1, summary: 'a service failed to stop' },
  KELPIE_E_NOT_RUNNING: { status: 409, exit: 1, summary: 'the service has no running process' },
  KELPIE_E_TIMEOUT: { status: 504, exit: 1, summary: 'the wait ran out of time' },
  KELPIE_E_UNREACHABLE: { status: 503, exit: 4, summary: 'the daemon cannot be reached' },
  KELPIE_E_ALREADY_RUNNING: { status: 409, exit: 1, summary: 'a daemon already runs for this home' },
  KELPIE_E_KEEPER: { status: 502, exit: 1, summary: 'the keeper refused or failed a request' },
  KELPIE_E_INTERNAL: { status: 500, exit: 1, summary: 'an unexpected internal error' },
  KELPIE_E_UNAUTHORIZED: { status: 401, exit: 5, summary: 'no valid capability came with the request' },
  KELPIE_E_FORBIDDEN: { status: 403, exit: 5, summary: 'the capability does not allow this action on this service' },
  KELPIE_E_IDENTITY: { status: 502, exit: 6, summary: 'a remote node\'s key does not match the fingerprint in the capability URL' },
} as const satisfies Record<string, ErrorDef>;

/** A registered error code. */
export type ErrorCode = keyof typeof ERRORS;

/** An error carrying a registered code, a message and an optional hint. */
export class KelpieError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
