// Classifies how a process ended and what the restart policy makes of it. Pure.
import type { ServiceSpec } from '../config/types.js';

/** What happens after an exit nobody asked for. */
export type ExitVerdict =
  | { readonly next: 'restart'; readonly failure: boolean; readonly why: string }
  | { readonly next: 'stopped'; readonly why: string }
  | { readonly next: 'done'; readonly why: string }
  | { readonly next: 'failed'; readonly why: string };

/** Human text for an exit: "exited with code 3" / "killed by SIGKILL". */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === null) return 'exited (status unknown)';
  return `exited with code ${code}`;
}

/** Applies `restart`, `success_codes` and `no_restart_codes` to one unrequested exit. */
export function judgeExit(spec: ServiceSpec, code: number | null, signal: string | null): ExitVerdict {
  const how = describeExit(code, signal);
  const success = signal === null && code !== null && spec.successCodes.includes(code);
  if (code !== null && signal === null && spec.noRestartCodes.includes(code)) {
    return { next: 'failed', why: `${how}, which means "do not restart"` };
  }
  // A timer's run ends; the schedule decides when the next one starts.
  if (spec.kind === 'timer') return success ? { next: 'stopped', why: `last run ${how}` } : { next: 'failed', why: `last run ${how}` };
  // A one-shot that succeeded is done; its dependents may go on.
  if (spec.kind === 'oneshot' && success) return { next: 'done', why: how };
  if (spec.restart === 'never') return success ? { next: 'stopped', why: how } : { next: 'failed', why: how };
  if (spec.restart === 'on-failure' && success) return { next: 'stopped', why: how };
  return { next: 'restart', failure: !success, why: how };
}
