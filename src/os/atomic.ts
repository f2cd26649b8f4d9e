// Durable replace of a small file: write temp → fsync → rename → fsync the directory.
// A reader sees the old content or the new, never a missing, empty or torn file.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync, constants } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/**
 * Atomically replaces `path` with `data` (mode 0600 unless given). `durable: false` skips the
 * two fsyncs: the replace is still atomic for readers and survives a crash of this process
 * (the page cache does), but not a crash of the machine. For files only a process restart
 * reads back.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, o: { durable?: boolean } = {}): void {
  const durable = o.durable ?? true;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (!durable) return;
  const dfd = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/**
 * Removes temp files a writer of `path` left when it was killed between create and rename
 * (`.NAME.PID.tmp`), unless that writer still runs. Returns how many were removed.
 */
export function removeStaleTemps(path: string): number {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length, -'.tmp'.length));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (pid !== process.pid && running(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
