// V8 flags for kelpie's two long-running Node processes (the detached keeper and the
// controller). Both are mostly idle and allocate little once up; V8's defaults are tuned for
// throughput and let the young generation grow to 16 MiB per semi-space during a start-up
// burst (1000 spawns, their events and messages), then keep it: at N=1000 that was about
// 30 MiB of the keeper's PSS. Measured in docs/benchmarks.md ("Since the last measurement").
//   --max-semi-space-size=1  young generation capped at 1 MiB per semi-space
//   --optimize-for-size      V8 prefers a smaller heap and smaller code to speed
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--optimize-for-size'];

/** `base` (a process's execArgv) with each daemon flag added unless `base` sets it already. */
export function withDaemonFlags(base: readonly string[]): string[] {
  const name = (f: string): string => f.split('=')[0]!.replace(/_/g, '-');
  const given = new Set(base.map(name));
  return [...base, ...DAEMON_NODE_FLAGS.filter((f) => !given.has(name(f)))];
}
