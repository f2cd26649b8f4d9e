// The on-disk state: a versioned, checksummed JSON document. Encoding and decoding are
// pure; src/state/store.ts does the I/O.
import { createHash } from 'node:crypto';
import { migrate } from './migrate.js';
import type { ExitInfo, ServiceState } from '../protocol/api.js';
import type { ServiceSpec } from '../config/types.js';

export const STATE_VERSION = 2;

/** What is remembered of one service across controller restarts and `up`s. */
export interface PersistedService {
  readonly state: ServiceState;
  readonly since: string;
  readonly reason: string | null;
  readonly enabled: boolean;
  /** A person's last start (up) or stop (down); null: follow autostart. */
  readonly wanted?: 'up' | 'down' | null;
  /** A definition waiting for the next stop (deferred reload). */
  readonly pending?: ServiceSpec | null;
  readonly pid: number | null;
  readonly startTime: number;
  readonly spawnedAt: string | null;
  readonly readyAt: string | null;
  readonly restarts: number;
  readonly failures: number;
  readonly exits: readonly ExitInfo[];
}

/** The whole state file. */
export interface PersistedState {
  readonly version: number;
  readonly writtenAt: string;
  readonly services: Readonly<Record<string, PersistedService>>;
  /** Services registered at runtime (`kelpie add`), with their definitions. */
  readonly registered?: Readonly<Record<string, ServiceSpec>>;
  /** Transient runs (`kelpie run`) still running, so a new controller can adopt them. */
  readonly transient?: Readonly<Record<string, ServiceSpec>>;
}

function checksum(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** State → file text (body line, then checksum line). */
export function encodeState(s: PersistedState): string {
  const body = JSON.stringify(s);
  return `${body}\n${checksum(body)}\n`;
}

/** File text → state; throws with a reason when the text is not a valid state file. */
export function decodeState(text: string): PersistedState {
  const [body, sum] = text.split('\n');
  if (!body || !sum) throw new Error('truncated state file');
  if (checksum(body) !== sum) throw new Error('state file checksum mismatch');
  return migrate(JSON.parse(body) as Record<string, unknown>, STATE_VERSION) as unknown as PersistedState;
}
