// Signal names as users write them ("TERM", "sigterm", "SIGTERM") → the canonical "SIGTERM".
import { constants } from 'node:os';

/** The canonical name if it is a signal this platform knows, else undefined. */
export function normaliseSignal(raw: string): string | undefined {
  const upper = raw.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(constants.signals, name) ? name : undefined;
}

/** All signal names of this platform, for "did you mean". */
export function signalNames(): string[] {
  return Object.keys(constants.signals);
}
