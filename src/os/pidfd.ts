// Watching the exit of a process that is not our child (a service a previous keeper spawned):
// pidfd_open (Linux 5.3+) gives an fd that becomes readable when the process exits; the shared
// Poller reports it. The exit status is not ours to read (only the parent can wait for it).
// Without pidfd (no koffi, an older kernel) a poll of /proc once a second stands in.
import { lazyBindings } from './libc.js';
import { Poller } from './poller.js';
import { readStat } from './proc.js';

interface Bindings {
  pidfdOpen(pid: number): number;
  close(fd: number): number;
}

const bind = lazyBindings<Bindings>((f) => {
  // glibc 2.36+ has the wrapper; otherwise the raw syscall (434 on every architecture that
  // uses the generic syscall table, x86-64 included).
  let open: (pid: number) => number;
  try {
    const fn = f.lib.func('int pidfd_open(int, unsigned int)');
    open = (pid) => fn(pid, 0) as number;
  } catch {
    const syscall = f.lib.func('long syscall(long, int, unsigned int)');
    open = (pid) => Number(syscall(434, pid, 0));
  }
  const close = f.lib.func('int close(int)');
  return { pidfdOpen: open, close: (fd) => close(fd) as number };
});

let poller: Poller | null | undefined;

/**
 * Calls `onExit` once when process `pid` (with this start time) has exited. Returns a function
 * that stops watching, and how it watches.
 */
export function watchExit(pid: number, startTime: number, onExit: () => void): { stop: () => void; how: 'pidfd' | 'poll' } {
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    stop();
    onExit();
  };
  const gone = (): boolean => {
    const st = readStat(pid);
    return !st || st.state === 'Z' || st.startTime !== startTime;
  };
  const b = bind();
  if (poller === undefined) poller = b ? Poller.create() : null;
  const fd = b && poller ? b.pidfdOpen(pid) : -1;
  let stop: () => void;
  if (fd >= 0 && b && poller) {
    const handle = poller.add(fd, finish);
    stop = () => {
      handle.remove();
      b.close(fd);
    };
    // The process may have exited (or the pid been reused) between the caller's check and the open.
    if (gone()) queueMicrotask(finish);
    return { stop: () => ((done = true), stop()), how: 'pidfd' };
  }
  const timer = setInterval(() => gone() && finish(), 1000);
  stop = () => clearInterval(timer);
  if (gone()) queueMicrotask(finish);
  return { stop: () => ((done = true), stop()), how: 'poll' };
}
