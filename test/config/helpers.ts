// Test helper: a temp dir with the given files, removed afterwards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import type { Config, ConfigIssue } from '../../src/config/index.js';

/** Writes `files` (path → text) into a fresh temp dir, runs `fn(dir)`, then removes the dir. */
export function withFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kelpie-config-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads `kelpie.toml` from a temp dir holding `files`; expects success. */
export function loadOk(files: Record<string, string>): { config: Config; dir: string } {
  return withFiles(files, (dir) => {
    const r = loadConfig(join(dir, 'kelpie.toml'));
    if (!r.ok) throw new Error(`expected ok, got:\n${r.issues.map((i) => JSON.stringify(i)).join('\n')}`);
    return { config: r.config, dir };
  });
}

/** Loads `kelpie.toml` from a temp dir holding `files`; expects issues. `dir` is gone by then. */
export function loadBad(files: Record<string, string>): { issues: readonly ConfigIssue[]; dir: string } {
  return withFiles(files, (dir) => {
    const r = loadConfig(join(dir, 'kelpie.toml'));
    if (r.ok) throw new Error('expected issues, got a config');
    return { issues: r.issues, dir };
  });
}

/** The one issue about `field`, failing if there is not exactly one. */
export function only(issues: readonly ConfigIssue[], field: string): ConfigIssue {
  const found = issues.filter((i) => i.field === field);
  if (found.length !== 1) throw new Error(`expected one issue for ${field}, got ${JSON.stringify(issues, null, 1)}`);
  return found[0]!;
}
