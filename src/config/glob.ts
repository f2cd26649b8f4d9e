// Expands `include` patterns: `*` and `?` in any path segment (not `**`, not [classes]).
// A leading dot must be matched explicitly, as in the shell.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

/** Matches (absolute, sorted), or why a plain path without wildcards is missing. */
export type GlobResult = { readonly ok: true; readonly files: string[] } | { readonly ok: false; readonly message: string };

const WILD = /[*?]/;

/** Expands `pattern`, relative to `baseDir` unless absolute. A glob that matches nothing is not an error. */
export function expandInclude(pattern: string, baseDir: string): GlobResult {
  const abs = isAbsolute(pattern) ? resolve(pattern) : resolve(baseDir, pattern);
  if (!WILD.test(abs)) {
    return isFile(abs) ? { ok: true, files: [abs] } : { ok: false, message: `no such file: ${abs}` };
  }
  const segments = abs.split(sep).filter((s) => s !== '');
  let dirs: string[] = [sep];
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const dir of dirs) {
      if (!WILD.test(seg)) {
        next.push(join(dir, seg));
        continue;
      }
      const re = segmentRegExp(seg);
      for (const name of list(dir)) if (re.test(name)) next.push(join(dir, name));
    }
    dirs = last ? next : next.filter(isDir);
  }
  return { ok: true, files: dirs.filter(isFile).sort() };
}

function segmentRegExp(seg: string): RegExp {
  const body = [...seg].map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  const noDot = seg.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${noDot}${body}$`);
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
