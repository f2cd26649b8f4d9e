// docs/errors.md and docs/cli.md against the error registry: every code documented once, with
// the HTTP status and exit code the registry gives it, and every exit code in the CLI's table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERRORS } from '../../src/protocol/errors.js';

const doc = (name: string): string => readFileSync(fileURLToPath(new URL(`../../docs/${name}`, import.meta.url)), 'utf8');

type Row = { status: number; exit: number; line: number };

/** The rows of docs/errors.md's table: | `KELPIE_E_…` | status | exit | … |. */
function errorRows(text: string): Map<string, Row[]> {
  const rows = new Map<string, Row[]>();
  text.split('\n').forEach((l, i) => {
    const m = /^\|\s*`(KELPIE_E_[A-Z0-9_]+)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|/.exec(l);
    if (!m) return;
    const code = m[1] as string;
    rows.set(code, [...(rows.get(code) ?? []), { status: Number(m[2]), exit: Number(m[3]), line: i + 1 }]);
  });
  return rows;
}

/** The exit codes in the first column of the table under "## Exit codes" in docs/cli.md. */
function exitTable(text: string): Set<number> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^##\s+Exit codes\s*$/.test(l));
  assert.ok(start >= 0, 'docs/cli.md has a "## Exit codes" section');
  const codes = new Set<number>();
  for (const l of lines.slice(start + 1)) {
    if (/^#{1,2}\s/.test(l)) break;
    const m = /^\|\s*(\d+)\s*\|/.exec(l);
    if (m) codes.add(Number(m[1]));
  }
  return codes;
}

const registry = Object.keys(ERRORS) as (keyof typeof ERRORS)[];
const errorsMd = doc('errors.md');
const rows = errorRows(errorsMd);

test('every registered code has a row in docs/errors.md', () => {
  const missing = registry.filter((c) => !rows.has(c));
  assert.deepEqual(missing, [], `codes missing from the table in docs/errors.md: ${missing.join(', ')}`);
});

test('every code in the docs/errors.md table is registered', () => {
  const unknown = [...rows.keys()].filter((c) => !(c in ERRORS));
  assert.deepEqual(unknown, [], `docs/errors.md documents codes src/protocol/errors.ts does not have: ${unknown.join(', ')}`);
});

test('each code has exactly one row', () => {
  const twice = [...rows].filter(([, r]) => r.length > 1).map(([c, r]) => `${c} (lines ${r.map((x) => x.line).join(', ')})`);
  assert.deepEqual(twice, []);
});

test('the HTTP status and exit code in docs/errors.md match the registry', () => {
  for (const code of registry) {
    const row = rows.get(code)?.[0];
    if (!row) continue; // reported by the first test
    assert.equal(row.status, ERRORS[code].status, `${code}: HTTP status in docs/errors.md line ${row.line}`);
    assert.equal(row.exit, ERRORS[code].exit, `${code}: exit code in docs/errors.md line ${row.line}`);
  }
});

test('every KELPIE_E_ code mentioned anywhere in docs/errors.md is registered', () => {
  const mentioned = new Set(errorsMd.match(/KELPIE_E_[A-Z0-9_]+/g) ?? []);
  const unknown = [...mentioned].filter((c) => !(c in ERRORS));
  assert.deepEqual(unknown, [], `unregistered codes named in docs/errors.md: ${unknown.join(', ')}`);
});

test('docs/cli.md documents every exit code the CLI uses, and no other', () => {
  const documented = exitTable(doc('cli.md'));
  const used = new Set<number>([0, ...registry.map((c) => ERRORS[c].exit)]);
  const undocumented = [...used].filter((e) => !documented.has(e)).sort();
  assert.deepEqual(undocumented, [], `exit codes used but missing from docs/cli.md's table: ${undocumented.join(', ')}`);
  const unused = [...documented].filter((e) => !used.has(e)).sort();
  assert.deepEqual(unused, [], `exit codes in docs/cli.md's table that no error uses: ${unused.join(', ')}`);
});
