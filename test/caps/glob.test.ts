import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globMatch, PATTERN_RE } from '../../src/caps/index.js';
import { name, pattern, refGlob } from './arb.js';

test('glob: examples', () => {
  assert.ok(globMatch('web-*', 'web-1'));
  assert.ok(globMatch('web-*', 'web-'));
  assert.ok(!globMatch('web-*', 'web'));
  assert.ok(!globMatch('web-*', 'db'));
  assert.ok(globMatch('db?', 'db1'));
  assert.ok(!globMatch('db?', 'db'));
  assert.ok(!globMatch('db?', 'db12'));
  assert.ok(globMatch('*', 'anything.at@all'));
  assert.ok(globMatch('a*b*c', 'aXXbYYc'));
  assert.ok(!globMatch('a*b*c', 'aXXcYYb'));
  assert.ok(!globMatch('Web', 'web'), 'case-sensitive');
  assert.ok(globMatch('web.1', 'web.1') && !globMatch('web.1', 'webx1'), 'a dot is literal');
});

test('glob: agrees with a regular-expression reference on random patterns and names', () => {
  fc.assert(fc.property(pattern, name, (p, n) => globMatch(p, n) === refGlob(p, n)), { numRuns: 5000 });
});

test('glob: a pattern without wildcards matches only itself', () => {
  fc.assert(fc.property(name, name, (a, b) => globMatch(a, b) === (a === b)));
});

test('glob: many stars against a long name that does not match (exponential backtracking would never end)', { timeout: 10_000 }, () => {
  assert.ok(!globMatch(`${'a*'.repeat(30)}b`, 'a'.repeat(120)));
  assert.ok(globMatch(`${'a*'.repeat(30)}b`, `${'a'.repeat(120)}b`));
});

test('glob: the pattern grammar', () => {
  for (const ok of ['web-*', 'db?', '*', 'peer:web', 'a.b@c_d/e']) assert.ok(PATTERN_RE.test(ok), ok);
  for (const bad of ['', 'a b', 'web[1]', 'x'.repeat(129), 'a\nb', '"q"']) assert.ok(!PATTERN_RE.test(bad), bad);
});
