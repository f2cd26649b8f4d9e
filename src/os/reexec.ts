// execve(2): this process becomes another program image and keeps its pid (a `kelpie up` that
// runs as PID 1 of a container stays PID 1). Node has no exec of its own; koffi reaches libc.
import { lazyBindings } from './libc.js';

const F_SETFD = 2;

const bindings = lazyBindings((f) => ({
  execve: f.lib.func('int execve(const char *, const char **, const char **)') as (path: string, argv: Array<string | null>, envp: Array<string | null>) => number,
  fcntl: f.lib.func('int fcntl(int, int, int)') as (fd: number, cmd: number, arg: number) => number,
}));

/**
 * Replaces this process with `path` run with `argv` (argv[0] included) and exactly `env`.
 * Returns only when that cannot be done (no koffi, or execve failed): false. Every fd Node
 * and libuv opened is close-on-exec and goes; stdin, stdout and stderr go on (Node marks
 * them close-on-exec too, so that is cleared first).
 */
export function execve(path: string, argv: readonly string[], env: NodeJS.ProcessEnv): false {
  const b = bindings();
  if (!b) return false;
  const envp: Array<string | null> = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) envp.push(`${k}=${v}`);
  envp.push(null);
  for (const fd of [0, 1, 2]) b.fcntl(fd, F_SETFD, 0);
  b.execve(path, [...argv, null], envp);
  return false;
}
