// Readiness by file: the service creates $KELPIE_READY_FILE when it is ready. The keeper
// removes any stale file before the spawn, then watches the file's directory with fs.watch
// (inotify: no polling) and checks for the file once right after the watch starts, so a file
// created between prepare and watch is not missed. Only existence counts: inotify reports
// the creation before any content is written, so content is never read.
import { existsSync, mkdirSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Removes a stale ready file and makes sure its directory exists. Call before spawning. */
export function prepareReadyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
}

/** 'ready': the file exists. 'error': the directory cannot be watched (err says why). */
export type ReadyFileEvent = 'ready' | 'error';

/**
 * Calls `cb` once when `path` exists (at once if it already does), or on a watch error.
 * The returned function stops watching without reporting.
 */
export function watchReadyFile(path: string, cb: (ev: ReadyFileEvent, err?: Error) => void): () => void {
  const name = basename(path);
  let watcher: FSWatcher | null = null;
  let done = false;
  const finish = (ev: ReadyFileEvent | null, err?: Error): void => {
    if (done) return;
    done = true;
    watcher?.close();
    if (ev === 'error') cb(ev, err);
    else if (ev) cb(ev);
  };
  try {
    watcher = watch(dirname(path), { persistent: true }, (_event, filename) => {
      // filename may be missing on some platforms: then just look.
      if ((filename === null || filename === name) && existsSync(path)) finish('ready');
    });
    watcher.on('error', (err) => finish('error', err));
  } catch (err) {
    queueMicrotask(() => finish('error', err instanceof Error ? err : new Error(String(err))));
    return () => finish(null);
  }
  // Close the race: the file may have appeared before the watch was in place.
  if (existsSync(path)) queueMicrotask(() => finish('ready'));
  return () => finish(null);
}
