// Clocks for comparing stamps taken in different processes.
//
// Wall clock: `performance.timeOrigin + performance.now()` has sub-millisecond resolution but
// runs on the monotonic clock from a wall-clock origin taken when this process started, so it
// drifts from CLOCK_REALTIME (NTP slews the latter). calibrate() re-anchors it: it spins until
// Date.now() (CLOCK_REALTIME, truncated to ms) ticks over — at that instant the real time is
// exactly the new millisecond — and keeps the difference. wallMs() is then CLOCK_REALTIME in
// ms to within a few µs, as long as calibrate() ran recently (it costs at most 1 ms of spinning).
//
// Monotonic clock: on Linux process.hrtime.bigint() is libuv's uv_hrtime(), which reads
// CLOCK_MONOTONIC — the same clock Python's time.monotonic_ns() reads in another process — so
// it serves as a cross-check of the wall-clock figures that needs no calibration.
import { performance } from 'node:perf_hooks';

let offsetMs = 0;

/** Re-anchors wallMs() on CLOCK_REALTIME; returns the correction applied, in ms. */
export function calibrate() {
  const d0 = Date.now();
  let d;
  let p;
  do {
    p = performance.now();
    d = Date.now();
  } while (d === d0);
  offsetMs = d - (performance.timeOrigin + p);
  return offsetMs;
}

/** CLOCK_REALTIME in ms since the epoch, sub-millisecond (see calibrate()). */
export const wallMs = () => performance.timeOrigin + performance.now() + offsetMs;

/** CLOCK_MONOTONIC in ns (BigInt), comparable with other processes' CLOCK_MONOTONIC on Linux. */
export const monoNs = () => process.hrtime.bigint();
