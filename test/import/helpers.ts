// Test helpers for the importers: fixtures, snapshots, loading the result with kelpie's own
// loader, and running a CLI command (not yet registered in main.ts) in a child process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../../src/config/index.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'test/fixtures/import');
export const EXPECTED = join(FIXTURES, 'expected');
/** tsx's loader as a URL, so that scripts run from any directory can use it. */
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1';

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Compares `actual` with the snapshot file `name` (UPDATE_SNAPSHOTS=1 rewrites it). */
export function snapshot(name: string, actual: string): void {
  const file = join(EXPECTED, name);
  if (UPDATE || !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    if (!UPDATE) assert.fail(`snapshot ${name} was missing and has been written; check it and run again`);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 rewrites it)`);
}

/** A temp dir with `files`, removed after `fn`. */
export async function withDir<T>(files: Record<string, string>, fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'kelpie-import-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads `toml` as kelpie.toml (beside `files`, e.g. the env files it names) with loadConfig; fails on any issue. */
export async function loads(toml: string, files: Record<string, string> = {}): Promise<Config> {
  return withDir({ ...files, 'kelpie.toml': toml }, (dir) => {
    const r = loadConfig(join(dir, 'kelpie.toml'));
    if (!r.ok) assert.fail(`the converted config does not load:\n${r.issues.map((i) => JSON.stringify(i)).join('\n')}\n---\n${toml}`);
    return r.config;
  });
}

/** Result of running a command. */
export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kelpie NAME ARGS…` through test/import/run-command.ts (the Command object, as main.ts would). */
export function runCommand(command: string, args: string[], opts: { cwd: string; env?: Record<string, string>; input?: string }): Promise<Ran> {
  return run(process.execPath, ['--import', TSX, join(ROOT, 'test/import/run-command.ts'), command, ...args], opts);
}

/** Runs a program, collecting its output (30 s at most). */
export function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${cmd} ${args.join(' ')} did not finish in 30 s\n${stdout}\n${stderr}`));
    }, 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(t);
      done({ code, stdout, stderr });
    });
  });
}
