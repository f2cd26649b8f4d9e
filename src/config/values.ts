// Leaf value checks shared by check.ts: integers, commands, env tables, and defaults as nodes.
import { render } from './toml.js';
import type { Issues } from './issues.js';
import type { Loc, TNode } from './toml.js';

/** Marks a value that was reported as invalid. */
export const BAD = Symbol('bad');
/** A converted value, or BAD. */
export type Out = unknown | typeof BAD;
/** Reports the current value as invalid (optionally another node, with other words). */
export type Bad = (extra?: { expected?: string; hint?: string; at?: TNode }) => typeof BAD;

/** "an integer from 1 to 10", or "an integer of at least 1" when there is no practical upper bound. */
export function intRange(min: number, max: number): string {
  return max >= Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
}

/** An integer in [min, max]; a quoted number gets a hint. */
export function checkInt(node: TNode, min: number, max: number, bad: Bad): Out {
  if (node.kind !== 'integer') {
    const hint = node.kind === 'string' && /^-?[0-9]+$/.test(node.value) ? `drop the quotes: ${node.value}` : undefined;
    return bad(hint ? { hint } : {});
  }
  const v = node.value as number;
  if (!Number.isSafeInteger(v) || v < min || v > max) return bad({ expected: intRange(min, max) });
  return v;
}

/** A shell string → ["/bin/sh", "-c", s], or a non-empty argv array. */
export function checkCommand(node: TNode, bad: Bad): Out {
  if (node.kind === 'string') {
    if (node.value.trim() === '' || node.value.includes('\0')) return bad();
    return ['/bin/sh', '-c', node.value];
  }
  if (node.kind !== 'array' || node.items.length === 0) return bad();
  const argv: string[] = [];
  for (const item of node.items) {
    if (item.kind !== 'string' || item.value.includes('\0')) return bad({ expected: 'every element of command to be a string', at: item });
    argv.push(item.value);
  }
  if (argv[0] === '') return bad({ expected: 'a program name as the first element of command', at: node.items[0] });
  return argv;
}

/** A table of string values; each bad entry is reported at its own place. */
export function checkEnv(node: TNode, path: string, issues: Issues, bad: Bad): Out {
  if (node.kind !== 'table') return bad();
  const env = Object.create(null) as Record<string, string>;
  let ok = true;
  for (const e of node.entries.values()) {
    const field = join(path, e.key);
    if (e.key === '' || e.key.includes('=') || e.key.includes('\0')) {
      issues.add(e.keyLoc, field, { message: `invalid environment variable name ${JSON.stringify(e.key)}`, expected: 'a name without "=" or NUL' });
      ok = false;
    } else if (e.node.kind === 'string' && !e.node.value.includes('\0')) {
      env[e.key] = e.node.value;
    } else {
      const scalar = e.node.kind === 'integer' || e.node.kind === 'float' || e.node.kind === 'boolean';
      const hint = scalar ? `quote it: ${e.key} = "${render(e.node)}"` : undefined;
      issues.add(e.node.loc, field, { expected: 'a string', received: render(e.node), ...(hint && { hint }) });
      ok = false;
    }
  }
  return ok ? env : BAD;
}

/** `a.b` + `c` → `a.b.c`. */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** A default written in TOML form, as a located node (at the table that lacks it). */
export function plain(v: unknown, loc: Loc): TNode {
  if (Array.isArray(v)) return { kind: 'array', loc, items: v.map((x) => plain(x, loc)) };
  if (typeof v === 'string') return { kind: 'string', loc, value: v, raw: v };
  if (typeof v === 'boolean') return { kind: 'boolean', loc, value: v, raw: String(v) };
  if (typeof v === 'number') return { kind: Number.isInteger(v) ? 'integer' : 'float', loc, value: v, raw: String(v) };
  const entries = new Map(Object.entries(v as object).map(([key, x]) => [key, { key, keyLoc: loc, node: plain(x, loc) }]));
  return { kind: 'table', loc, entries };
}
