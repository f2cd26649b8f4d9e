// Helpers for the os/ and readiness tests: deadlines, child bookkeeping, fd inspection.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'test/fixtures');

type After = { after: (fn: () => void | Promise<void>) => void };

/** A fresh temp dir removed after the test. Short, so socket paths fit in sun_path. */
export function tempDir(t: After, prefix = 'kelpie-rd-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolves with `fn()` once it is not undefined; rejects after `ms`. Polls every 5 ms. */
export async function waitUntil<T>(fn: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves when `child` exits (at once if it has); rejects after `ms`. */
export function exited(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`pid ${child.pid} still running after ${ms} ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      res({ code, signal });
    });
  });
}

/**
 * Spawns children for one test. After the test, any child still running is SIGKILLed and
 * the test fails: every test must end what it started (and wait for it).
 */
export function children(t: After): (cmd: string, args: string[], opts?: SpawnOptions) => ChildProcess {
  const all: ChildProcess[] = [];
  t.after(async () => {
    const alive = all.filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of alive) c.kill('SIGKILL');
    await Promise.all(alive.map((c) => exited(c, 5000)));
    for (const c of all) assert.ok(!existsPid(c.pid), `pid ${c.pid} still exists`);
    assert.deepEqual(alive.map((c) => c.pid), [], 'children left running by the test');
  });
  return (cmd, args, opts = {}) => {
    const c = spawn(cmd, args, opts);
    c.on('error', () => {});
    all.push(c);
    return c;
  };
}

function existsPid(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // A zombie of someone else's, or pid reuse, is not ours; ours are reaped by libuv.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
  } catch {
    return false;
  }
}

/** The open-file flags of `fd` in process `pid` (from /proc/PID/fdinfo, octal). */
export function fdFlags(pid: number | 'self', fd: number): number {
  const m = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'));
  assert.ok(m, `no flags in fdinfo of fd ${fd}`);
  return parseInt(m[1] as string, 8);
}

export const O_CLOEXEC = 0o2000000;

/** The fd numbers open in process `pid`, sorted. */
export function openFds(pid: number): number[] {
  return readdirSync(`/proc/${pid}/fd`)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Resolves once process `pid` runs `comm` with exactly the fds `expected`; rejects with the
 * fds it has after `ms`. (Right after exec starts, comm is already the new program while the
 * close-on-exec fds are not yet closed: a one-shot look would race.)
 */
export async function settledFds(pid: number, comm: string, expected: number[], ms = 2000): Promise<void> {
  let last: number[] = [];
  await waitUntil(
    () => {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'latin1').trim() !== comm) return undefined;
        last = openFds(pid);
      } catch {
        return undefined;
      }
      return last.join() === expected.join() || undefined;
    },
    ms,
    `pid ${pid} (${comm}) to hold exactly fds ${expected.join(', ')}`,
  ).catch(() => assert.deepEqual(last, expected, `fds of pid ${pid}`));
}

/** A line-oriented reader of a child's stdout: `line(re, ms)` waits for a matching line. */
export function lines(child: ChildProcess): { line(re: RegExp, ms: number): Promise<RegExpExecArray> } {
  const seen: string[] = [];
  let buf = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    seen.push(...parts);
  });
  return {
    line: (re, ms) =>
      waitUntil(
        () => {
          for (const l of seen) {
            const m = re.exec(l);
            if (m) return m;
          }
          return undefined;
        },
        ms,
        `a line matching ${re} (got ${JSON.stringify(seen)})`,
      ),
  };
}
