import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseToml, render, type TNode, type TTable } from '../../src/config/toml.js';

const get = (t: TNode | undefined, key: string): TNode => {
  assert.equal(t?.kind, 'table');
  const e = (t as TTable).entries.get(key);
  assert.ok(e, key);
  return e.node;
};

test('every table and value keeps its 1-based position', () => {
  const r = parseToml('[[a]]\nx = 1\n[a.b]\ny = "s"\n[[a]]\nx = 3\n[c.d]\n[c]\nz = [1, { q = true }]\n');
  assert.ok(r.ok);
  const a = get(r.root, 'a');
  assert.equal(a.kind, 'array');
  const [first, second] = a.kind === 'array' ? a.items : [];
  assert.deepEqual(get(first, 'x').loc, { line: 2, column: 5 });
  assert.deepEqual(get(get(first, 'b'), 'y').loc, { line: 4, column: 5 });
  assert.deepEqual(second?.loc, { line: 5, column: 1 });
  assert.deepEqual(get(r.root, 'c').loc, { line: 8, column: 1 }, 'a header relocates a table a deeper header implied');
  assert.equal(render(get(get(r.root, 'c'), 'z')), '[1, { q = true }]');
});

test('parse errors carry a 1-based position and never throw', () => {
  const r = parseToml('a = 1\nb = "x\n');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.loc.line, 2);
  assert.equal(parseToml('\u0000').ok, false);
});
