// Spawns one service process: its own session and process group, stdin /dev/null,
// stdout/stderr piped to the keeper. Node opens every fd of its own close-on-exec,
// so the service sees exactly fds 0, 1 and 2.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { statSync } from 'node:fs';
import type { SpawnRequest } from '../protocol/keeper.js';

/** Spawns the process; resolves once it exists, rejects with a readable reason if it cannot. */
export function spawnProcess(req: SpawnRequest, stdio: StdioOptions = ['ignore', 'pipe', 'pipe']): Promise<ChildProcess> {
  const argv0 = req.argv[0];
  if (!argv0) return Promise.reject(new Error('empty command'));
  try {
    if (!statSync(req.cwd).isDirectory()) return Promise.reject(new Error(`working directory ${req.cwd} is not a directory`));
  } catch {
    return Promise.reject(new Error(`working directory ${req.cwd} does not exist`));
  }
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(argv0, req.argv.slice(1), {
        cwd: req.cwd,
        env: { ...req.env },
        detached: true,
        stdio,
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (child.pid === undefined) {
      child.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'ENOENT' ? `command not found: ${argv0}` : err.code === 'EACCES' ? `permission denied: ${argv0}` : err.message;
        reject(new Error(why));
      });
      return;
    }
    resolve(child);
  });
}
