// File primitives of the capability store. The directory is created 0700; every file is 0600,
// owned by this process's user, and read only if it still is (like ssh, a key others can read
// is refused, not used). Writes are atomic: temp file (O_EXCL, 0600) → fsync → rename, or link
// when an existing file must win (two daemons creating a key at once agree on one) → fsync
// the directory.
import {
  closeSync, constants, fchmodSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync,
  readFileSync, renameSync, unlinkSync, writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** A capability file that cannot be used; the message names the file and never its content. */
export class CapStoreError extends Error {
  override readonly name = 'CapStoreError';
  constructor(readonly path: string, why: string) {
    super(`${path}: ${why}`);
  }
}

/** Creates `dir` (0700) unless it exists; returns it. */
export function ensureDir(dir: string): string {
  attempt(dir, 'cannot create the directory', () => mkdirSync(dir, { recursive: true, mode: 0o700 }));
  return dir;
}

/** The file's text, or undefined when it does not exist. */
export function readPrivate(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CapStoreError(path, `cannot open (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    checkOwned(path, fd);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Refuses a file that is not regular, not ours, or open to group or others. */
export function checkOwned(path: string, fd: number): void {
  const st = fstatSync(fd);
  const uid = process.getuid?.();
  if (!st.isFile()) throw new CapStoreError(path, 'not a regular file');
  if (uid !== undefined && st.uid !== uid) throw new CapStoreError(path, `owned by uid ${st.uid}, not by this kelpie (uid ${uid})`);
  if ((st.mode & 0o077) !== 0) throw new CapStoreError(path, `open to other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`);
}

/** Writes `data` to `path` atomically; with `replace` false an existing file wins (returns false). */
export function writeAtomic(path: string, data: string, replace: boolean): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  return attempt(path, 'cannot write', () => {
    try {
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        fchmodSync(fd, 0o600); // the umask may only narrow the mode; make it exact anyway
        writeSync(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (replace) renameSync(tmp, path);
      else linkSync(tmp, path);
    } catch (err) {
      if (!replace && (err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      try { unlinkSync(tmp); } catch { /* renamed away, or never created */ }
    }
    const dfd = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
    return true;
  });
}

/** Runs `fn`, turning a system error into a CapStoreError that names `path`. */
export function attempt<T>(path: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CapStoreError) throw err;
    throw new CapStoreError(path, `${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
