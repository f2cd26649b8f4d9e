// A probe run over time with Kubernetes semantics: an initial delay, then one attempt per
// interval; `successThreshold` successes in a row pass, `failureThreshold` failures in a row
// fail. Cancelled with an AbortSignal; no timer is left behind.
import type { ProbeSpec } from '../config/types.js';
import { probeOnce, type ProbeResult } from './probe.js';

/** What a loop reports. */
export interface LoopHooks {
  /** Every attempt's result. */
  attempt(r: ProbeResult): void;
  /** The success threshold was reached. Return true to keep probing (liveness). */
  passed?(): boolean;
  /** The failure threshold was reached. Return true to keep probing (readiness while running). */
  failed?(last: ProbeResult, count: number): boolean | void;
}

/** Runs until passed (unless it asks to continue), failed, or aborted. */
export function probeLoop(spec: ProbeSpec, cwd: string, hooks: LoopHooks, signal: AbortSignal): void {
  let ok = 0;
  let bad = 0;
  let timer: NodeJS.Timeout | null = null;
  const schedule = (ms: number): void => {
    if (signal.aborted) return;
    timer = setTimeout(() => void attempt(), ms);
  };
  signal.addEventListener('abort', () => timer && clearTimeout(timer), { once: true });
  const attempt = async (): Promise<void> => {
    timer = null;
    const r = await probeOnce(spec.target, spec.timeout, cwd);
    if (signal.aborted) return;
    hooks.attempt(r);
    if (r.ok) {
      bad = 0;
      ok++;
      if (ok >= spec.successThreshold && hooks.passed) {
        ok = 0;
        if (!hooks.passed()) return;
      }
    } else {
      ok = 0;
      bad++;
      if (bad >= spec.failureThreshold && hooks.failed) {
        if (hooks.failed(r, bad) !== true) return;
        bad = 0;
      }
    }
    schedule(spec.interval);
  };
  schedule(spec.initialDelay);
}
