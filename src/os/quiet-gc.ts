// A full garbage collection as soon as a burst of work is over, instead of when V8 gets to it.
//
// A cold start of a thousand services leaves each daemon with a heap of garbage (spawn
// requests, events, messages). V8 would collect it in idle time, seconds later, through its
// memory reducer: 80–250 ms of CPU in the first 30 s of an idle kelpie (docs/benchmarks.md).
// With --expose-gc and --no-memory-reducer (src/os/node-flags.ts), the daemon collects once,
// QUIET_MS after the last of at least MIN_WORK units of work, and is idle from then on.
// Without --expose-gc (a keeper running in the foreground `kelpie up`) this does nothing.
const QUIET_MS = 100;
const MIN_WORK = 200;

const gc = (globalThis as { gc?: () => void }).gc;
let work = 0;
let timer: NodeJS.Timeout | null = null;

/** Counts one unit of work (a message between keeper and controller). */
export function busy(): void {
  if (!gc) return;
  work++;
  if (timer) {
    timer.refresh();
    return;
  }
  timer = setTimeout(settle, QUIET_MS);
  timer.unref();
}

function settle(): void {
  timer = null;
  const enough = work >= MIN_WORK;
  work = 0;
  if (enough) gc?.();
}
