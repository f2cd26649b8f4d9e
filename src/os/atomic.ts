// Durable replace of a small file: write temp → fsync → rename → fsync the directory.
// A reader sees the old content or the new, never a missing, empty or torn file.
import { closeSync, fsyncSync, openSync, renameSync, writeSync, constants } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Atomically replaces `path` with `data` (mode 0600 unless given). */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
