// Running commands for the benchmark: timed, bounded, with the run's marked environment.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/**
 * Runs `cmd args` to completion. Resolves { code, signal, stdout, stderr, ms } (ms = wall time
 * from spawn to exit). Kills the command's process group after `timeoutMs`.
 */
export function run(cmd, args, { cwd, env, timeoutMs = 120_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
      reject(new Error(`${cmd} ${args.join(' ')}: no exit after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Like run(), but rejects unless the command exits 0. */
export async function runOk(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}\n${r.stdout}\n${r.stderr}`.trim());
  return r;
}

/**
 * Starts a long-running daemon in its own session (so its process group can be signalled as a
 * whole), output to `logFd`. Returns the ChildProcess; the caller reaps it through 'exit'.
 */
export function daemon(cmd, args, { cwd, env, logFd = 'ignore' } = {}) {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', logFd, logFd], detached: true });
  child.exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, signal: sig })));
  child.on('error', () => {});
  return child;
}

/** Whether `cmd` is on PATH (or an existing path). */
export async function which(cmd) {
  const r = await run('sh', ['-c', 'command -v "$1"', 'sh', cmd], { timeoutMs: 5000 }).catch(() => null);
  return r && r.code === 0 ? r.stdout.trim() : null;
}
