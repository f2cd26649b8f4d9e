// Traditional daemons (pid_file): the launched process forks the daemon and exits; the pid
// the daemon writes to its pid file becomes the service's main process once the keeper can
// adopt it (it has been re-parented to the keeper, a child subreaper).
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readStat } from '../os/proc.js';
import type { Service } from '../service/service.js';

type Adopt = (svc: Service, pid: number) => Promise<{ pid: number; startTime: number; spawnedAt: string }>;

/** The live pid a pid file names, or null. */
export function readPidFile(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    const st = Number.isInteger(pid) && pid > 1 ? readStat(pid) : null;
    return st && st.state !== 'Z' ? pid : null;
  } catch {
    return null;
  }
}

export class PidFiles {
  readonly #watches = new Map<string, { w: FSWatcher | null; busy: boolean }>();

  constructor(private readonly adopt: Adopt) {}

  /** Called on every state change: watches while a pid_file service is starting. */
  changed(svc: Service): void {
    const path = svc.spec.pidFile;
    const on = this.#watches.get(svc.name);
    if (!path || svc.state !== 'starting') {
      if (on) {
        on.w?.close();
        this.#watches.delete(svc.name);
      }
      return;
    }
    if (on) return void this.check(svc);
    let w: FSWatcher | null = null;
    try {
      w = watch(dirname(path), (_e, name) => {
        if (name === null || name.toString() === basename(path)) void this.check(svc);
      });
      w.on('error', () => {});
    } catch {
      w = null; // the directory does not exist yet: checks on launcher exit still run
    }
    this.#watches.set(svc.name, { w, busy: false });
    void this.check(svc);
  }

  /** Tries to adopt the daemon the pid file names (after a file change or the launcher's exit). */
  async check(svc: Service): Promise<void> {
    const entry = this.#watches.get(svc.name);
    const path = svc.spec.pidFile;
    if (!entry || !path || entry.busy || svc.state !== 'starting') return;
    const pid = readPidFile(path);
    if (pid === null || pid === svc.pid) return;
    entry.busy = true;
    try {
      const p = await this.adopt(svc, pid);
      svc.adoptDaemon(p.pid, p.startTime, p.spawnedAt);
    } catch {
      // Not re-parented yet (its launcher still runs): the launcher's exit checks again.
    } finally {
      entry.busy = false;
    }
  }

  stopAll(): void {
    for (const e of this.#watches.values()) e.w?.close();
    this.#watches.clear();
  }
}
