// TOML text → a tree where every key and value keeps its line and column, so that every
// message about the config can point at the exact place it came from.
import { parseTOML, ParseError } from 'toml-eslint-parser';
import type { AST } from 'toml-eslint-parser';

/** A 1-based position in a file. */
export interface Loc {
  readonly line: number;
  readonly column: number;
}

/** A scalar TOML value; `raw` is the source spelling, for messages (e.g. an integer too big for a double). */
export type TScalar =
  | { readonly kind: 'string'; readonly loc: Loc; readonly value: string; readonly raw: string }
  | { readonly kind: 'integer' | 'float'; readonly loc: Loc; readonly value: number; readonly raw: string }
  | { readonly kind: 'boolean'; readonly loc: Loc; readonly value: boolean; readonly raw: string }
  | { readonly kind: 'datetime'; readonly loc: Loc; readonly value: string; readonly raw: string };

/** A TOML array (inline, or of tables). */
export interface TArray {
  readonly kind: 'array';
  readonly loc: Loc;
  readonly items: TNode[];
}

/** A TOML table; `entries` keep insertion (file) order. */
export interface TTable {
  readonly kind: 'table';
  /** Where the table starts: its [header], or where a dotted key or deeper header first implied it. */
  loc: Loc;
  readonly entries: Map<string, TEntry>;
}

/** Any value in the tree. */
export type TNode = TScalar | TArray | TTable;

/** One key of a table: where the key was written and its value. */
export interface TEntry {
  readonly key: string;
  readonly keyLoc: Loc;
  readonly node: TNode;
}

/** A parse failure at a position. */
export interface TomlError {
  readonly loc: Loc;
  readonly message: string;
}

const at = (n: AST.HasLocs): Loc => ({ line: n.loc.start.line, column: n.loc.start.column + 1 });

/** Parses TOML 1.0 text; never throws. */
export function parseToml(text: string): { ok: true; root: TTable } | { ok: false; error: TomlError } {
  let program: AST.TOMLProgram;
  try {
    program = parseTOML(text, { tomlVersion: '1.0' });
  } catch (e) {
    if (e instanceof ParseError) {
      return { ok: false, error: { loc: { line: e.lineNumber, column: e.column + 1 }, message: e.message } };
    }
    return { ok: false, error: { loc: { line: 0, column: 0 }, message: `cannot parse TOML: ${String(e)}` } };
  }
  const root: TTable = { kind: 'table', loc: { line: 1, column: 1 }, entries: new Map() };
  for (const item of program.body[0].body) {
    if (item.type === 'TOMLKeyValue') addKeyValue(root, item);
    else addTable(root, item);
  }
  return { ok: true, root };
}

function keyName(k: AST.TOMLBare | AST.TOMLQuoted): string {
  return k.type === 'TOMLBare' ? k.name : k.value;
}

/** The table under `key`, created (implicitly, located at `loc`) when missing. */
function child(table: TTable, key: string, keyLoc: Loc, loc = keyLoc): TTable {
  const found = table.entries.get(key)?.node;
  if (found?.kind === 'table') return found;
  // The parser rejects redefinitions, so an existing non-table here cannot happen; replace it anyway.
  const created: TTable = { kind: 'table', loc, entries: new Map() };
  table.entries.set(key, { key, keyLoc, node: created });
  return created;
}

function addTable(root: TTable, t: AST.TOMLTable): void {
  const path = t.resolvedKey;
  let table = root;
  let part = 0; // index into the header's written key parts (numbers are array positions)
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (typeof seg !== 'string') continue; // consumed together with the array's key below
    const written = t.key.keys[part++];
    const keyLoc = written ? at(written) : at(t);
    const index = path[i + 1];
    if (typeof index === 'number') {
      // [[name]]: an array of tables; each header appends one table, located at the header.
      let arr = table.entries.get(seg)?.node;
      if (arr?.kind !== 'array') {
        arr = { kind: 'array', loc: at(t), items: [] };
        table.entries.set(seg, { key: seg, keyLoc, node: arr });
      }
      let next = arr.items[index];
      if (next?.kind !== 'table') {
        next = { kind: 'table', loc: at(t), entries: new Map() };
        arr.items[index] = next;
      }
      table = next;
    } else if (i === path.length - 1) {
      // The header's own table is located at the header, even if a deeper header made it first.
      table = child(table, seg, keyLoc, at(t));
      table.loc = at(t);
    } else {
      table = child(table, seg, keyLoc);
    }
  }
  for (const kv of t.body) addKeyValue(table, kv);
}

function addKeyValue(table: TTable, kv: AST.TOMLKeyValue): void {
  const keys = kv.key.keys;
  let target = table;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    target = child(target, keyName(k), at(k));
  }
  const last = keys[keys.length - 1]!;
  const name = keyName(last);
  target.entries.set(name, { key: name, keyLoc: at(last), node: convert(kv.value) });
}

function convert(n: AST.TOMLContentNode): TNode {
  if (n.type === 'TOMLArray') return { kind: 'array', loc: at(n), items: n.elements.map(convert) };
  if (n.type === 'TOMLInlineTable') {
    const t: TTable = { kind: 'table', loc: at(n), entries: new Map() };
    for (const kv of n.body) addKeyValue(t, kv);
    return t;
  }
  switch (n.kind) {
    case 'string':
      return { kind: 'string', loc: at(n), value: n.value, raw: n.value };
    case 'integer':
      return { kind: 'integer', loc: at(n), value: n.value, raw: n.bigint.toString() };
    case 'float':
      return { kind: 'float', loc: at(n), value: n.value, raw: n.number };
    case 'boolean':
      return { kind: 'boolean', loc: at(n), value: n.value, raw: String(n.value) };
    default:
      return { kind: 'datetime', loc: at(n), value: n.datetime, raw: n.datetime };
  }
}

/** A short rendering of a value for "got …" in messages. */
export function render(node: TNode, max = 60): string {
  let s: string;
  if (node.kind === 'string') s = JSON.stringify(node.value);
  else if (node.kind === 'array') s = `[${node.items.map((i) => render(i, max)).join(', ')}]`;
  else if (node.kind === 'table') {
    const parts = [...node.entries.values()].map((e) => `${e.key} = ${render(e.node, max)}`);
    s = parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
  } else s = node.raw;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
