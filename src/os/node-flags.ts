// V8 flags for kelpie's two long-running Node processes (the detached keeper and the
// controller). Both are mostly idle and allocate little once up, but V8's defaults are tuned
// for throughput: during a start-up burst (1000 spawns, their events and messages) the young
// generation grows to 16 MiB per semi-space and the old generation far past what stays live,
// and neither is given back. At N=1000 that was most of the two processes' PSS (about 30 MiB
// in the keeper, 45 MiB in the controller). Measured in docs/benchmarks.md.
//   --max-semi-space-size=1  young generation capped at 1 MiB per semi-space (both)
//   --optimize-for-size      V8 keeps the old generation close to what is live (controller
//                            only: in the keeper it cost a burst of idle CPU after start-up
//                            and saved little once the young generation is capped)
//   --expose-gc, --no-memory-reducer  the daemon collects once when a burst of work is over
//                            (src/os/quiet-gc.ts) rather than V8 collecting in idle time later
const QUIET_GC = ['--expose-gc', '--no-memory-reducer'];
export const KEEPER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', ...QUIET_GC];
export const CONTROLLER_NODE_FLAGS: readonly string[] = [...KEEPER_NODE_FLAGS, '--optimize-for-size'];

/** `base` (a process's execArgv) with each of `flags` added unless `base` sets it already. */
export function withNodeFlags(base: readonly string[], flags: readonly string[]): string[] {
  const name = (f: string): string => f.split('=')[0]!.replace(/_/g, '-');
  const given = new Set(base.map(name));
  return [...base, ...flags.filter((f) => !given.has(name(f)))];
}
