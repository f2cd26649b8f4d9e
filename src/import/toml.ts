// A tiny TOML writer for `kelpie import`: ordered tables of strings, numbers, booleans, arrays
// and tables, written the way a person would write a kelpie.toml (short tables inline, long
// ones under their own header). Only what the importers produce; no dates, no floats' edge cases.

/** A TOML value the importers produce. */
export type Value = string | number | boolean | readonly Value[] | Table;

/** A table whose keys keep the order they were set in (a plain object would put "1" first). */
export class Table {
  readonly entries: Array<[string, Value]> = [];

  constructor(init?: ReadonlyArray<readonly [string, Value | undefined]>) {
    for (const [k, v] of init ?? []) if (v !== undefined) this.set(k, v);
  }

  /** Sets `key` (replacing an earlier value in place); `undefined` removes nothing and sets nothing. */
  set(key: string, value: Value | undefined): this {
    if (value === undefined) return this;
    const i = this.entries.findIndex(([k]) => k === key);
    if (i >= 0) this.entries[i] = [key, value];
    else this.entries.push([key, value]);
    return this;
  }

  get(key: string): Value | undefined {
    return this.entries.find(([k]) => k === key)?.[1];
  }

  has(key: string): boolean {
    return this.entries.some(([k]) => k === key);
  }

  delete(key: string): void {
    const i = this.entries.findIndex(([k]) => k === key);
    if (i >= 0) this.entries.splice(i, 1);
  }

  get size(): number {
    return this.entries.length;
  }
}

/** A TOML basic string: "…" with every character TOML requires escaped. */
export function basicString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** A string as TOML: a literal '…' string when it holds backslashes (regexes read better), else basic. */
export function tomlString(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (s.includes('\\') && !/['\u0000-\u001f\u007f]/.test(s)) return `'${s}'`;
  return basicString(s);
}

/** A key: bare when it can be, quoted otherwise. */
export function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : basicString(k);
}

/** Widest line the writer keeps on one line before expanding a table or array. */
const WIDTH = 100;

/** A value on one line; tables as inline tables. */
export function inline(v: Value): string {
  if (typeof v === 'string') return tomlString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} in TOML`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Table) return v.size === 0 ? '{}' : `{ ${v.entries.map(([k, x]) => `${tomlKey(k)} = ${inline(x)}`).join(', ')} }`;
  return `[${(v as readonly Value[]).map(inline).join(', ')}]`;
}

/** `key = value` lines; an array too long for one line gets one item per line. */
function assignment(key: string, v: Value, indent = ''): string {
  const one = `${indent}${tomlKey(key)} = ${inline(v)}`;
  if (one.length <= WIDTH || !Array.isArray(v)) return one;
  const items = (v as readonly Value[]).map((x) => `${indent}  ${inline(x)},`);
  return `${indent}${tomlKey(key)} = [\n${items.join('\n')}\n${indent}]`;
}

/**
 * Writes `table` under the header `path` (dotted, already quoted): scalars, arrays and short
 * tables as `key = …` lines, then longer tables under their own `[path.key]` headers.
 */
export function writeTable(path: string, table: Table, comments: readonly string[] = []): string {
  const lines: string[] = [];
  for (const c of comments) lines.push(c === '' ? '#' : `# ${c}`);
  lines.push(`[${path}]`);
  const later: Array<[string, Table]> = [];
  for (const [k, v] of table.entries) {
    if (v instanceof Table && (v.size > 4 || `${tomlKey(k)} = ${inline(v)}`.length > WIDTH)) {
      later.push([k, v]);
      continue;
    }
    lines.push(assignment(k, v));
  }
  let text = lines.join('\n') + '\n';
  for (const [k, sub] of later) text += '\n' + writeTable(`${path}.${tomlKey(k)}`, sub);
  return text;
}
