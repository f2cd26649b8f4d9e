// The s6 / dinit readiness notification fd. The service gets the write end of a channel at
// fd N (N ≥ 3) and, once ready, writes a newline to it (bytes before it are ignored) and
// closes it. EOF before any newline means the service gave up on (or died before) readiness.
//
// Node passes the channel: `stdio[N] = 'pipe'` puts one end of a libuv socketpair at fd N in
// the child (a socket, not a pipe: write()/close() behave the same for s6-style clients).
// The 'ignore' entries for fds 3..N-1 make libuv leave those fd numbers alone — they are
// closed in the child only because every fd the keeper holds is close-on-exec
// (cloexecInheritedFds covers what the keeper inherited). The keeper's end is closed as soon
// as the newline is read, as s6-supervise does: a service writing again gets EPIPE.
import type { Readable } from 'node:stream';

/** Highest notification fd accepted (the stdio array has N+1 entries). */
export const MAX_NOTIFY_FD = 1023;

type Stdio = 'ignore' | 'pipe' | 'inherit';

/**
 * The stdio array for a service with a notification fd at `n`: `base` for fds 0–2, 'ignore'
 * for 3..n-1, 'pipe' at n.
 */
export function notifyFdStdio(n: number, base: readonly [Stdio, Stdio, Stdio] = ['ignore', 'pipe', 'pipe']): Stdio[] {
  if (!Number.isInteger(n) || n < 3 || n > MAX_NOTIFY_FD) throw new RangeError(`notification fd must be an integer from 3 to ${MAX_NOTIFY_FD}, got ${n}`);
  const stdio: Stdio[] = [...base];
  while (stdio.length < n) stdio.push('ignore');
  stdio.push('pipe');
  return stdio;
}

/** 'ready': a newline arrived. 'eof': the fd was closed (or failed) before any newline. */
export type NotifyFdEvent = 'ready' | 'eof';

/**
 * Watches the child's notification fd `n`; calls `cb` exactly once, unless the returned
 * function is called first (which closes the keeper's end without reporting).
 */
export function watchNotifyFd(child: { readonly stdio: ReadonlyArray<unknown> }, n: number, cb: (ev: NotifyFdEvent) => void): () => void {
  const stream = child.stdio[n] as Readable | null | undefined;
  if (!stream) throw new Error(`child has no pipe at fd ${n}: spawn it with notifyFdStdio(${n})`);
  let done = false;
  const finish = (ev: NotifyFdEvent | null): void => {
    if (done) return;
    done = true;
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('close', onEnd);
    // Keep a no-op 'error' listener: a reset after we stop listening must not crash the keeper.
    stream.on('error', () => {});
    stream.off('error', onEnd);
    stream.destroy();
    if (ev) cb(ev);
  };
  const onData = (chunk: Buffer): void => {
    if (chunk.includes(0x0a)) finish('ready');
  };
  const onEnd = (): void => finish('eof');
  stream.on('data', onData);
  stream.once('end', onEnd);
  stream.once('close', onEnd);
  stream.once('error', onEnd);
  return () => finish(null);
}
