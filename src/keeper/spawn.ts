// Spawns one service process: its own session and process group, stdin /dev/null, stdout and
// stderr to the keeper. Every fd the keeper holds is close-on-exec, so the service sees exactly
// fds 0, 1 and 2 (and its notification fd, if it has one).
//
// Two ways: posix_spawn through koffi (src/os/posix-spawn.ts: no fork of the keeper, run off
// the event loop) wherever glibc has it, else child_process.spawn. Both give a ServiceChild.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { SpawnRequest } from '../protocol/keeper.js';

/** A service process as the keeper uses it, however it was spawned. */
export interface ServiceChild {
  readonly pid?: number | undefined;
  /** The keeper's ends of the child's pipes, by the child's fd number. */
  readonly stdio: ReadonlyArray<unknown>;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
}

/** A child spawned through posix_spawn: its exit is emitted by whoever reaps it. */
export class PosixChild extends EventEmitter implements ServiceChild {
  constructor(
    readonly pid: number,
    readonly stdio: ReadonlyArray<Readable | null>,
  ) {
    super();
  }

  /** Called by the reaper with the raw wait status. */
  exited(status: number): void {
    const [code, signal] = decodeWaitStatus(status);
    this.emit('exit', code, signal);
  }
}

/** A raw wait status as [exit code, signal name]: one of them is null. */
export function decodeWaitStatus(status: number): [number | null, NodeJS.Signals | null] {
  const sig = status & 0x7f;
  if (!sig) return [(status >> 8) & 0xff, null];
  const name = Object.entries(constants.signals).find(([, n]) => n === sig)?.[0] as NodeJS.Signals | undefined;
  return [null, name ?? null];
}

/** Rejects a working directory that is not one, with a readable reason. */
export function checkCwd(cwd: string): Error | null {
  try {
    return statSync(cwd).isDirectory() ? null : new Error(`working directory ${cwd} is not a directory`);
  } catch {
    return new Error(`working directory ${cwd} does not exist`);
  }
}

/** Spawns through child_process; resolves once it exists, rejects with a readable reason if it cannot. */
export function spawnProcess(req: SpawnRequest, stdio: StdioOptions = ['ignore', 'pipe', 'pipe']): Promise<ChildProcess> {
  const argv0 = req.argv[0];
  if (!argv0) return Promise.reject(new Error('empty command'));
  const bad = checkCwd(req.cwd);
  if (bad) return Promise.reject(bad);
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
