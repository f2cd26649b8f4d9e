import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DepGraph, toDot, toText } from '../../src/graph/index.js';
import { services } from './helpers.js';

//   web ──requires──► db ◄──requires── migrate (oneshot)
//    │  ╲──requires(completed)──► migrate
//    ├──wants──► cache ──requires──► redis
//    └──after──► logger
//   all (target) ──requires──► web, worker ──requires──► db
const g = new DepGraph(services({
  db: { provides: ['database'] },
  migrate: { kind: 'oneshot', requires: ['db'] },
  web: { requires: ['db', ['migrate', 'completed']], wants: ['cache'], after: ['logger'] },
  redis: {},
  cache: { requires: ['redis'] },
  logger: {},
  worker: { requires: [['db', 'started']] },
  all: { kind: 'target', requires: ['web', 'worker'] },
}));

test('direct relations', () => {
  assert.deepEqual(g.names, ['db', 'migrate', 'web', 'redis', 'cache', 'logger', 'worker', 'all']);
  assert.deepEqual(g.requiresOf('web').map((r) => [r.service, r.condition]), [['db', 'ready'], ['migrate', 'completed']]);
  assert.deepEqual(g.wantsOf('web'), ['cache']);
  assert.deepEqual(g.afterOf('web'), ['logger']);
  assert.deepEqual(g.dependentsOf('db'), ['migrate', 'web', 'worker']);
  assert.deepEqual(g.dependentsOf('cache'), [], 'wants are not hard dependents');
  assert.deepEqual(g.dependentsOf('logger'), [], 'after is not a dependency');
  assert.equal(g.resolve('database'), 'db');
  assert.equal(g.resolve('db'), 'db');
  assert.equal(g.resolve('nope'), undefined);
  assert.equal(g.has('web'), true);
  assert.throws(() => g.requiresOf('nope'), /unknown service "nope"/);
});

test('startSet pulls in requirements and wants, transitively, but not after', () => {
  assert.deepEqual(g.startSet(['web']), ['db', 'migrate', 'web', 'redis', 'cache']);
  assert.deepEqual(g.startSet(['all']), ['db', 'migrate', 'web', 'redis', 'cache', 'worker', 'all']);
  assert.deepEqual(g.startSet(['logger']), ['logger']);
  assert.deepEqual(g.startSet([]), []);
  assert.throws(() => g.startSet(['ghost']), /unknown service/);
});

test('stopSet pulls in everything that requires them, transitively', () => {
  assert.deepEqual(g.stopSet(['db']), ['db', 'migrate', 'web', 'worker', 'all']);
  assert.deepEqual(g.stopSet(['redis']), ['redis', 'cache'], 'web only wants cache');
  assert.deepEqual(g.stopSet(['logger']), ['logger']);
});

test('startOrder: layers over requires + after within the set; stopOrder reversed', () => {
  assert.deepEqual(g.startOrder(g.names), [
    ['db', 'redis', 'logger'],
    ['migrate', 'cache', 'worker'],
    ['web'],
    ['all'],
  ]);
  assert.deepEqual(g.stopOrder(g.names), [['all'], ['web'], ['migrate', 'cache', 'worker'], ['db', 'redis', 'logger']]);
  // Dependencies outside the set do not hold anything back.
  assert.deepEqual(g.startOrder(['web', 'logger', 'cache']), [['cache', 'logger'], ['web']]);
  assert.deepEqual(g.startOrder([]), []);
});

test('startOrder throws on a cycle (the loader rejects them first)', () => {
  const c = new DepGraph(services({ a: { requires: ['b'] }, b: { after: ['a'] }, c: {} }));
  assert.throws(() => c.startOrder(['a', 'b', 'c']), /dependency cycle among: a, b/);
});

test('findCycles: every elementary cycle once, over requires and after, not wants', () => {
  assert.deepEqual(g.findCycles(), []);
  const c = new DepGraph(services({
    a: { requires: ['b'], after: ['c'] },
    b: { requires: ['a', 'c'] },
    c: { after: ['a'] },
    d: { requires: ['d'] },
    e: { wants: ['f'] },
    f: { wants: ['e'] },
  }));
  assert.deepEqual(c.findCycles(), [['a', 'b'], ['a', 'b', 'c'], ['a', 'c'], ['d']]);
  assert.equal(c.findCycles(2).length, 2);
});

test('waitingOn asks about each requires and after dependency once', () => {
  const asked: [string, string][] = [];
  const up = new Set(['db']);
  const waiting = g.waitingOn('web', (dep, condition) => {
    asked.push([dep, condition]);
    return up.has(dep);
  });
  assert.deepEqual(asked, [['db', 'ready'], ['migrate', 'completed'], ['logger', 'after']]);
  assert.deepEqual(waiting, [{ service: 'migrate', condition: 'completed' }, { service: 'logger', condition: 'after' }]);
  const both = new DepGraph(services({ a: { requires: ['b'], after: ['b'] }, b: {} }));
  assert.deepEqual(both.waitingOn('a', () => false), [{ service: 'b', condition: 'ready' }]);
  assert.deepEqual(g.waitingOn('redis', () => false), []);
});

test('toText: one line per service with its edges', () => {
  assert.equal(toText(g), [
    'db (provides: database)',
    'migrate [oneshot] → db (ready)',
    'web → db (ready), migrate (completed), cache (wants), logger (after)',
    'redis',
    'cache → redis (ready)',
    'logger',
    'worker → db (started)',
    'all [target] → web (ready), worker (ready)',
    '',
  ].join('\n'));
  assert.equal(toText(new DepGraph({})), '');
});

test('toDot: a digraph with styled edges and shaped nodes', () => {
  const dot = toDot(new DepGraph(services({
    db: {},
    init: { kind: 'oneshot' },
    web: { requires: ['db', ['init', 'completed']], wants: ['cache'], after: ['db'] },
    cache: {},
    all: { kind: 'target', requires: ['web'] },
  })));
  assert.equal(dot, [
    'digraph kelpie {',
    '  node [shape=box];',
    '  "db";',
    '  "init" [shape=ellipse];',
    '  "web";',
    '  "cache";',
    '  "all" [shape=diamond];',
    '  "web" -> "db" [label="ready"];',
    '  "web" -> "init" [label="completed"];',
    '  "web" -> "cache" [style=dashed, label="wants"];',
    '  "all" -> "web" [label="ready"];',
    '}',
    '',
  ].join('\n'));
  assert.match(toDot(new DepGraph(services({ a: { after: ['b'] }, b: {} }))), /"a" -> "b" \[style=dotted, label="after"\];/);
});

test('toText and toDot with a visibility predicate: hidden services and edges touching them are left out', () => {
  const see = (n: string): boolean => n === 'web' || n === 'db' || n === 'migrate';
  assert.equal(toText(g, see), [
    'db (provides: database)',
    'migrate [oneshot] → db (ready)',
    'web → db (ready), migrate (completed)',
    '',
  ].join('\n'));
  assert.equal(toDot(g, see), [
    'digraph kelpie {',
    '  node [shape=box];',
    '  "db";',
    '  "migrate" [shape=ellipse];',
    '  "web";',
    '  "migrate" -> "db" [label="ready"];',
    '  "web" -> "db" [label="ready"];',
    '  "web" -> "migrate" [label="completed"];',
    '}',
    '',
  ].join('\n'));
  assert.equal(toText(g, () => false), '');
  assert.equal(toDot(g, () => false), 'digraph kelpie {\n  node [shape=box];\n}\n');
  assert.equal(toText(g, () => true), toText(g));
  assert.equal(toDot(g, () => true), toDot(g));
});
