// Spawning through glibc's posix_spawn (through koffi) instead of child_process.spawn.
//
// Why: libuv forks. fork() copies the page tables of the whole Node process and the caller
// blocks until the child has exec'd; in a keeper holding a thousand services that was 3–4 ms
// of the keeper's time per spawn (bench/micro/spawn-cost.mjs, and a CPU profile of a cold
// start). glibc's posix_spawn clones with CLONE_VM|CLONE_VFORK: nothing is copied, ~0.13 ms of
// CPU per spawn here, and the call runs on a libuv threadpool thread (koffi's async call), so
// the event loop goes on reading readiness and output while the child execs, and a few spawns
// overlap. Measured: 300 `sleep` spawns in 150–230 ms against 400–600 ms with child_process.
//
// What the child gets is what child_process gave it with `detached: true`: a new session
// (POSIX_SPAWN_SETSID), every signal at its default disposition (Node ignores SIGPIPE; an
// ignored signal would survive exec) and none blocked, the working directory, fds set up by
// dup2 (everything else the keeper holds is close-on-exec), and the environment given. The
// program is looked up in the PATH of that environment, as libuv does. One difference remains:
// glibc leaves its two internal signals (32 and 33, below SIGRTMIN, which no program may use)
// ignored in the child; glibc installs its own handlers for them when a program needs them.
//
// Who reaps: the child is not libuv's, so no ChildProcess 'exit' comes. Its exit status is read
// by the keeper's SIGCHLD reaper (reap.ts) through waitpid.
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ffi, lazyBindings } from './libc.js';

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const O_RDONLY = 0;
const F_DUPFD_CLOEXEC = 1030;

// Opaque glibc types, given generous room: posix_spawn_file_actions_t is 80 bytes and
// posix_spawnattr_t 336 on x86-64; sigset_t 128.
const FILE_ACTIONS_BYTES = 256;
const ATTR_BYTES = 1024;
const SIGSET_BYTES = 256;

interface Bindings {
  spawn: {
    async(pid: number[], path: string, fa: Buffer, attr: Buffer, argv: Array<string | null>, envp: Array<string | null>, cb: (err: unknown, r: number) => void): void;
  };
  faInit(fa: Buffer): number;
  faDestroy(fa: Buffer): number;
  faDup2(fa: Buffer, fd: number, to: number): number;
  faOpen(fa: Buffer, fd: number, path: string, flags: number, mode: number): number;
  faChdir(fa: Buffer, path: string): number;
  faClosefrom(fa: Buffer, from: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  close(fd: number): number;
  pipe2(fds: Buffer, flags: number): number;
  attr: Buffer;
}

// An older glibc (no addchdir_np: 2.29, addclosefrom_np: 2.34) has no bindings: child_process is used.
const bind = lazyBindings<Bindings>((f) => {
  const lib = f.lib;
  const spawn = lib.func('int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)');
  const attrInit = lib.func('int posix_spawnattr_init(void *attr)');
  const setFlags = lib.func('int posix_spawnattr_setflags(void *attr, short flags)');
  const setSigDefault = lib.func('int posix_spawnattr_setsigdefault(void *attr, void *set)');
  const setSigMask = lib.func('int posix_spawnattr_setsigmask(void *attr, void *set)');
  const sigfillset = lib.func('int sigfillset(void *set)');
  const sigemptyset = lib.func('int sigemptyset(void *set)');
  // One attribute object serves every spawn: it is only read by posix_spawn.
  const attr = Buffer.alloc(ATTR_BYTES);
  const all = Buffer.alloc(SIGSET_BYTES);
  const none = Buffer.alloc(SIGSET_BYTES);
  if (attrInit(attr) !== 0 || sigfillset(all) !== 0 || sigemptyset(none) !== 0) return null;
  if (setSigDefault(attr, all) !== 0 || setSigMask(attr, none) !== 0) return null;
  if (setFlags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) !== 0) return null;
  return {
    spawn: spawn as unknown as Bindings['spawn'],
    faInit: lib.func('int posix_spawn_file_actions_init(void *fa)'),
    faDestroy: lib.func('int posix_spawn_file_actions_destroy(void *fa)'),
    faDup2: lib.func('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)'),
    faOpen: lib.func('int posix_spawn_file_actions_addopen(void *fa, int fd, const char *path, int flags, uint32_t mode)'),
    faChdir: lib.func('int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)'),
    faClosefrom: lib.func('int posix_spawn_file_actions_addclosefrom_np(void *fa, int from)'),
    fcntl: lib.func('int fcntl(int, int, int)'),
    close: lib.func('int close(int)'),
    pipe2: lib.func('int pipe2(void *fds, int flags)'),
    attr,
  };
});

/** True when posix_spawn can be used here. */
export function posixSpawnAvailable(): boolean {
  return bind() !== null;
}

/** What to spawn. `fds[i]` becomes fd i of the child (null: /dev/null for 0, else closed). */
export interface PosixSpawnOptions {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly fds: ReadonlyArray<number | null>;
}

/** A spawn that failed with an errno; ENOEXEC means: try child_process (it runs such a file with sh). */
export class SpawnError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** glibc's default search path when the environment has no PATH (confstr _CS_PATH). */
const DEFAULT_PATH = '/bin:/usr/bin';

/**
 * How long a PATH lookup is reused: a cold start spawns the same program hundreds of times
 * (each lookup is an access and a stat per PATH entry until found), while a program installed
 * into an earlier PATH entry is still found within a second, as a shell would.
 */
const LOOKUP_TTL_MS = 1000;
const lookups = new Map<string, { path: string; at: number }>();

/** Where `file` resolves in `path` (relative to `cwd`), as execvp looks it up; a SpawnError if nowhere. */
export function resolveProgram(file: string, envPath: string | undefined, cwd: string): string {
  if (file.includes('/')) return isAbsolute(file) ? file : resolve(cwd, file);
  const key = `${cwd}\0${envPath ?? ''}\0${file}`;
  const now = performance.now();
  const hit = lookups.get(key);
  if (hit && now - hit.at < LOOKUP_TTL_MS) return hit.path;
  if (lookups.size > 1000) lookups.clear();
  const path = lookUp(file, envPath, cwd);
  lookups.set(key, { path, at: now });
  return path;
}

function lookUp(file: string, envPath: string | undefined, cwd: string): string {
  let denied = false;
  for (const dir of (envPath ?? DEFAULT_PATH).split(':')) {
    const p = resolve(cwd, join(dir || '.', file));
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') denied = true;
    }
  }
  throw denied ? new SpawnError(`permission denied: ${file}`, 'EACCES') : new SpawnError(`command not found: ${file}`, 'ENOENT');
}

const ERRNO_NAMES: Record<number, string> = { 2: 'ENOENT', 8: 'ENOEXEC', 13: 'EACCES', 20: 'ENOTDIR', 7: 'E2BIG', 12: 'ENOMEM', 11: 'EAGAIN' };

/**
 * Spawns `o.argv` in a new session; resolves with its pid once it has exec'd, or rejects with
 * a SpawnError. Throws (synchronously) if posix_spawn is not available: check first.
 */
export function posixSpawn(o: PosixSpawnOptions): Promise<number> {
  const b = bind();
  if (!b) throw new Error('posix_spawn is not available');
  const file = o.argv[0];
  if (!file) return Promise.reject(new SpawnError('empty command', 'EINVAL'));
  let path: string;
  try {
    path = resolveProgram(file, o.env.PATH, o.cwd);
  } catch (err) {
    return Promise.reject(err);
  }
  const fa = Buffer.alloc(FILE_ACTIONS_BYTES);
  if (b.faInit(fa) !== 0) return Promise.reject(new SpawnError('posix_spawn_file_actions_init failed', 'ENOMEM'));
  const dups: number[] = [];
  try {
    const top = o.fds.length;
    for (let target = 0; target < top; target++) {
      let src = o.fds[target];
      if (src === null || src === undefined) {
        if (target === 0) b.faOpen(fa, 0, '/dev/null', O_RDONLY, 0);
        continue;
      }
      // dup2 onto itself would leave the fd close-on-exec: give it another number first.
      if (src === target) {
        src = b.fcntl(src, F_DUPFD_CLOEXEC, top);
        if (src < 0) throw new SpawnError(`cannot pass fd ${target}`, 'EBADF');
        dups.push(src);
      }
      b.faDup2(fa, src, target);
    }
    // Whatever the keeper holds that is not close-on-exec goes no further than here.
    b.faClosefrom(fa, Math.max(3, top));
    b.faChdir(fa, o.cwd);
  } catch (err) {
    b.faDestroy(fa);
    closeAll(b, dups);
    return Promise.reject(err);
  }
  const argv: Array<string | null> = [...o.argv, null];
  const envp: Array<string | null> = [];
  for (const k in o.env) envp.push(`${k}=${o.env[k]}`);
  envp.push(null);
  const pid = [0];
  return new Promise((res, rej) => {
    b.spawn.async(pid, path, fa, b.attr, argv, envp, (err, r) => {
      b.faDestroy(fa);
      closeAll(b, dups);
      if (err) return rej(new SpawnError(`posix_spawn: ${String(err)}`, 'EFAULT'));
      if (r === 0 && (pid[0] ?? 0) > 0) return res(pid[0]!);
      lookups.clear(); // a program that went away is looked up afresh next time
      const code = ERRNO_NAMES[r] ?? `errno ${r}`;
      const why = code === 'ENOENT' ? `command not found: ${file}` : code === 'EACCES' ? `permission denied: ${file}` : `cannot run ${file}: ${code}`;
      rej(new SpawnError(why, code));
    });
  });
}

const O_CLOEXEC = 0o2000000;

/** A pipe, both ends close-on-exec: [read end, write end]. Throws if it cannot be made. */
export function makePipe(): [number, number] {
  const b = bind();
  if (!b) throw new Error('pipe2 is not available');
  const fds = Buffer.alloc(8);
  if (b.pipe2(fds, O_CLOEXEC) !== 0) throw new Error(`pipe2 failed: errno ${ffi()?.koffi.errno() ?? '?'}`);
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}

/** Closes fds this module's callers got from it (makePipe). */
export function closeFds(fds: readonly number[]): void {
  const b = bind();
  if (b) closeAll(b, fds);
}

function closeAll(b: Bindings, fds: readonly number[]): void {
  for (const fd of fds) b.close(fd);
}
