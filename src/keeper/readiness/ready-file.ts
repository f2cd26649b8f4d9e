// Readiness by file: the service creates $KELPIE_READY_FILE when it is ready. The keeper
// removes any stale file before the spawn, then watches the file's directory with fs.watch
// (inotify: no polling) and checks for the file once right after the watch starts, so a file
// created between prepare and watch is not missed. Only existence counts: inotify reports
// the creation before any content is written, so content is never read. The watch goes on
// while the process runs: removing the file makes the service unready, creating it again
// makes it ready again.
import { existsSync, mkdirSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Removes a stale ready file and makes sure its directory exists. Call before spawning. */
export function prepareReadyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
}

/** 'ready': the file exists (again). 'gone': it was removed. 'error': the directory cannot be watched. */
export type ReadyFileEvent = 'ready' | 'gone' | 'error';

/**
 * Calls `cb('ready')` when `path` exists (at once if it already does), then `cb('gone')` if it
 * is removed, `cb('ready')` again if it comes back, and so on until stopped; `cb('error')` (and
 * no more) if the directory cannot be watched. The returned function stops watching.
 */
export function watchReadyFile(path: string, cb: (ev: ReadyFileEvent, err?: Error) => void): () => void {
  const name = basename(path);
  let watcher: FSWatcher | null = null;
  let stopped = false;
  let present = false;
  const stop = (): void => {
    stopped = true;
    watcher?.close();
  };
  const look = (): void => {
    if (stopped) return;
    const now = existsSync(path);
    if (now === present) return;
    present = now;
    cb(now ? 'ready' : 'gone');
  };
  try {
    // filename may be missing on some platforms: then just look.
    watcher = watch(dirname(path), { persistent: true }, (_event, filename) => {
      if (filename === null || filename === name) look();
    });
    watcher.on('error', (err) => {
      if (stopped) return;
      stop();
      cb('error', err);
    });
  } catch (err) {
    queueMicrotask(() => {
      if (!stopped) cb('error', err instanceof Error ? err : new Error(String(err)));
      stop();
    });
    return stop;
  }
  // Close the race: the file may have appeared before the watch was in place.
  queueMicrotask(look);
  return stop;
}
