// `kelpie up --watch`: reload when a config file changes. inotify through fs.watch on each
// file's directory (editors replace files by rename); changes are debounced.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Watches `files`; calls `onChange` once per burst of changes. Returns a closer. */
export function watchFiles(files: readonly string[], onChange: () => void, debounceMs = 200): () => void {
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const d = dirname(f);
    if (!byDir.has(d)) byDir.set(d, new Set());
    byDir.get(d)!.add(basename(f));
  }
  let timer: NodeJS.Timeout | null = null;
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, (_event, name) => {
        if (name !== null && !names.has(name.toString())) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = null;
          onChange();
        }, debounceMs);
      });
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      // a directory that vanished: nothing to watch there
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
