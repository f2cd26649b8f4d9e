import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatIssue } from '../../src/config/index.js';
import { loadBad, loadOk, only } from './helpers.js';

test('requires, wants, after, provides, kind and on_dependency_restart are read; aliases resolve', () => {
  const { config } = loadOk({
    'kelpie.toml': [
      'include = ["more.toml"]', // 1
      '[services.web]', // 2
      'command = "w"', // 3
      'requires = ["database", { service = "migrate" }, { service = "cache", condition = "started" }]', // 4
      'wants = ["metrics"]', // 5
      'after = ["logger"]', // 6
      'on_dependency_restart = "restart"', // 7
      '[services.db]', // 8
      'command = "d"', // 9
      'provides = ["database", "sql"]', // 10
      '[services.all]', // 11
      'kind = "target"', // 12
      'requires = ["web", { service = "seed", condition = "ready" }]', // 13
      '',
    ].join('\n'),
    'more.toml': [
      '[services.migrate]',
      'kind = "oneshot"',
      'command = "m"',
      'requires = ["sql"]',
      '[services.seed]',
      'kind = "oneshot"',
      'command = "s"',
      '[services.cache]',
      'command = "c"',
      '[services.metrics]',
      'command = "x"',
      'wants = ["web"]', // wants both ways: no ordering, no cycle
      '[services.logger]',
      'command = "l"',
      '',
    ].join('\n'),
  });
  const s = config.services;
  assert.deepEqual(s['web']!.requires, [
    { service: 'db', condition: 'ready', line: 4 },
    { service: 'migrate', condition: 'completed', line: 4 }, // a oneshot's default condition
    { service: 'cache', condition: 'started', line: 4 },
  ]);
  assert.deepEqual(s['web']!.wants, ['metrics']);
  assert.deepEqual(s['web']!.after, ['logger']);
  assert.equal(s['web']!.onDependencyRestart, 'restart');
  assert.equal(s['web']!.kind, 'longrun');
  assert.deepEqual(s['db']!.provides, ['database', 'sql']);
  assert.deepEqual(s['migrate']!.requires, [{ service: 'db', condition: 'ready', line: 4 }]);
  assert.equal(s['migrate']!.kind, 'oneshot');
  assert.equal(s['all']!.kind, 'target');
  assert.deepEqual(s['all']!.command, []);
  assert.deepEqual(s['all']!.requires, [
    { service: 'web', condition: 'ready', line: 13 },
    { service: 'seed', condition: 'completed', line: 13 }, // "ready" for a oneshot is "completed"
  ]);
  assert.ok(Object.isFrozen(s['web']!.requires[0]));
});

test('requires written as an array of tables', () => {
  const { config } = loadOk({
    'kelpie.toml': '[services.a]\ncommand = "a"\n[[services.a.requires]]\nservice = "b"\ncondition = "started"\n[services.b]\ncommand = "b"\n',
  });
  assert.deepEqual(config.services['a']!.requires, [{ service: 'b', condition: 'started', line: 3 }]);
});

test('unknown names: exact place, did-you-mean over names and aliases, in any file', () => {
  const { issues, dir } = loadBad({
    'kelpie.toml': [
      'include = ["more.toml"]', // 1
      '[services.web]', // 2
      'command = "w"', // 3
      'requires = ["db", { service = "databse" }]', // 4
      'wants = ["metrcs"]', // 5
      'after = ["nothing-like-it"]', // 6
      '[services.db]', // 7
      'command = "d"', // 8
      'provides = ["database"]', // 9
      '',
    ].join('\n'),
    'more.toml': '[services.metrics]\ncommand = "m"\nafter = ["wbe"]\n',
  });
  const main = join(dir, 'kelpie.toml');
  assert.deepEqual(issues.map((i) => [i.file, i.line, i.column, i.field, i.message, i.hint]), [
    [main, 4, 19, 'services.web.requires[1]', 'unknown service "databse" in requires', 'did you mean "database"?'],
    [main, 5, 10, 'services.web.wants[0]', 'unknown service "metrcs" in wants', 'did you mean "metrics"?'],
    [main, 6, 10, 'services.web.after[0]', 'unknown service "nothing-like-it" in after', 'defined: web, db, metrics, database'],
    [join(dir, 'more.toml'), 3, 10, 'services.metrics.after[0]', 'unknown service "wbe" in after', 'did you mean "web"?'],
  ]);
});

test('a reference to a service that has other errors is not also "unknown"', () => {
  const { issues } = loadBad({ 'kelpie.toml': '[services.a]\ncommand = "a"\nrequires = ["b"]\n[services.b]\nrestart = "sometimes"\n' });
  assert.deepEqual(issues.map((i) => i.field), ['services.b.command', 'services.b.restart']);
});

test('condition "completed" is only for oneshots, and names the line', () => {
  const { issues, dir } = loadBad({
    'kelpie.toml': [
      '[services.web]', // 1
      'command = "w"', // 2
      'requires = [', // 3
      '  { service = "db", condition = "completed" },', // 4
      '  { service = "all", condition = "completed" },', // 5
      '  { service = "init", condition = "completed" },', // 6
      ']',
      '[services.db]', // 8
      'command = "d"',
      '[services.all]', // 10
      'kind = "target"',
      '[services.init]',
      'kind = "oneshot"',
      'command = "i"',
      '',
    ].join('\n'),
  });
  const file = join(dir, 'kelpie.toml');
  assert.deepEqual(only(issues, 'services.web.requires[0].condition'), {
    file, line: 4, column: 33, field: 'services.web.requires[0].condition',
    message: `condition "completed" needs a oneshot, but "db" (defined at ${file}:8) is a longrun`,
    hint: 'use condition = "ready" or "started", or make db kind = "oneshot"',
  });
  assert.equal(only(issues, 'services.web.requires[1].condition').message, `condition "completed" needs a oneshot, but "all" (defined at ${file}:10) is a target`);
  assert.equal(issues.length, 2);
});

test('a target has no command; every other kind needs one', () => {
  const { issues } = loadBad({ 'kelpie.toml': '[services.t]\nkind = "target"\ncommand = "x"\n[services.o]\nkind = "oneshot"\n[services.k]\nkind = "tagret"\n' });
  const t = only(issues, 'services.t.command');
  assert.deepEqual([t.line, t.column, t.message], [3, 1, '"command" is not allowed when kind = "target"']);
  assert.match(t.hint ?? '', /remove command/);
  const o = only(issues, 'services.o.command');
  assert.deepEqual([o.line, o.message], [4, 'missing required key "command"']);
  // A bad kind is reported once, without also blaming command.
  assert.equal(only(issues, 'services.k.kind').hint, 'did you mean "target"?');
  assert.equal(issues.length, 3);
});

test('a service cannot depend on itself, by name or by alias', () => {
  const { issues } = loadBad({
    'kelpie.toml': '[services.a]\ncommand = "a"\nprovides = ["alpha"]\nrequires = ["a"]\nwants = ["alpha"]\nafter = ["a"]\n',
  });
  assert.deepEqual(issues.map((i) => [i.line, i.field, i.message]), [
    [4, 'services.a.requires[0]', 'service "a" cannot require itself'],
    [5, 'services.a.wants[0]', 'service "a" cannot want itself ("alpha" is an alias of "a")'],
    [6, 'services.a.after[0]', 'service "a" cannot be ordered after itself'],
  ]);
});

test('a service listed twice in one list, directly or through an alias', () => {
  const { issues } = loadBad({ 'kelpie.toml': '[services.a]\ncommand = "a"\nrequires = ["b",\n "bee"]\n[services.b]\ncommand = "b"\nprovides = ["bee"]\n' });
  const i = only(issues, 'services.a.requires[1]');
  assert.deepEqual([i.line, i.message], [4, '"b" is listed twice in requires ("bee" is an alias of "b"); first at line 3']);
});

test('aliases may not clash with a service name or another alias; both places are named', () => {
  const { issues, dir } = loadBad({
    'kelpie.toml': 'include = ["more.toml"]\n[services.db]\ncommand = "d"\nprovides = ["sql", "db", "sql"]\n[services.cache]\ncommand = "c"\n',
    'more.toml': '[services.pg]\ncommand = "p"\nprovides = [\n  "sql",\n  "cache",\n]\n',
  });
  const main = join(dir, 'kelpie.toml');
  const more = join(dir, 'more.toml');
  assert.deepEqual(issues.map((i) => [i.file, i.line, i.field, i.message]), [
    [main, 4, 'services.db.provides[1]', 'alias "db" is the name of this service'],
    [main, 4, 'services.db.provides[2]', `alias "sql" is listed twice in provides (first at ${main}:4)`],
    [more, 4, 'services.pg.provides[0]', `alias "sql" of service "pg" (at ${more}:4) is already provided by service "db" at ${main}:4`],
    [more, 5, 'services.pg.provides[1]', `alias "cache" of service "pg" (at ${more}:5) is already the name of the service defined at ${main}:5`],
  ]);
});

test('bad forms: not an array, bad names, tables without service, unknown condition', () => {
  const { issues } = loadBad({
    'kelpie.toml': [
      '[services.a]', // 1
      'command = "a"', // 2
      'requires = "b"', // 3
      'wants = ["b c", 5]', // 4
      'after = []', // 5
      'provides = "x"', // 6
      '[services.b]', // 7
      'command = "b"', // 8
      'requires = [{ condition = "ready" }, { service = "a", condition = "up" }, { service = "-a" }, 7]', // 9
      '',
    ].join('\n'),
  });
  assert.equal(only(issues, 'services.a.requires').hint, 'write an array: requires = ["b"]');
  assert.equal(only(issues, 'services.a.provides').hint, 'write an array: provides = ["x"]');
  assert.match(only(issues, 'services.a.wants[0]').message, /^expected a service name matching .*, got "b c"$/);
  assert.equal(only(issues, 'services.a.wants[1]').received, '5');
  assert.equal(only(issues, 'services.b.requires[0].service').message, 'missing required key "service"');
  assert.equal(only(issues, 'services.b.requires[1].condition').hint, undefined);
  assert.equal(only(issues, 'services.b.requires[2].service').received, '"-a"');
  assert.match(only(issues, 'services.b.requires[3]').message, /or a table like \{ service = "db", condition = "ready" \}, got 7$/);
  assert.equal(issues.length, 8);
});

test('a cycle is spelled out once, at its first edge, with every edge in the hint', () => {
  const { issues, dir } = loadBad({
    'kelpie.toml': [
      'include = ["more.toml"]', // 1
      '[services.a]', // 2
      'command = "a"', // 3
      'requires = ["b"]', // 4
      '[services.b]', // 5
      'command = "b"', // 6
      'after = ["c"]', // 7
      'wants = ["a"]', // 8  (wants never make a cycle)
      '',
    ].join('\n'),
    'more.toml': '[services.c]\ncommand = "c"\nprovides = ["alpha"]\n\nrequires = [{ service = "alpha2", condition = "started" }]\n[services.alpha2]\ncommand = "x"\nprovides = ["first"]\nrequires = ["a"]\n',
  });
  const main = join(dir, 'kelpie.toml');
  const more = join(dir, 'more.toml');
  assert.equal(issues.length, 1);
  const i = issues[0]!;
  assert.deepEqual([i.file, i.line, i.column, i.field], [main, 4, 13, 'services.a.requires[0]']);
  assert.equal(i.message, 'dependency cycle: a → b → c → alpha2 → a');
  assert.equal(i.hint, [
    'remove one of these edges:',
    `    ${main}:4: a requires b`,
    `    ${main}:7: b after c`,
    `    ${more}:5: c requires alpha2`,
    `    ${more}:9: alpha2 requires a`,
  ].join('\n'));
  assert.match(formatIssue(i), /^.*kelpie\.toml:4:13: services\.a\.requires\[0\]: dependency cycle: a → b → c → alpha2 → a\n  hint: remove one of these edges:\n    /);
});

test('every distinct cycle is reported once; aliases are shown as written', () => {
  const { issues } = loadBad({
    'kelpie.toml': [
      '[services.a]', // 1
      'command = "a"', // 2
      'requires = ["b", "c"]', // 3
      '[services.b]', // 4
      'command = "b"', // 5
      'requires = ["a"]', // 6
      'after = ["c"]', // 7
      '[services.c]', // 8
      'command = "c"', // 9
      'provides = ["see"]', // 10
      'requires = ["a"]', // 11
      '[services.d]', // 12
      'command = "d"', // 13
      'after = ["see"]', // 14
      'requires = ["see"]', // 15  (requires and after the same service: one edge)
      '[services.e]', // 16
      'command = "e"', // 17
      'requires = ["d"]', // 18
      '',
    ].join('\n'),
  });
  assert.deepEqual(issues.map((i) => i.message), [
    'dependency cycle: a → b → a',
    'dependency cycle: a → b → c → a',
    'dependency cycle: a → c → a',
  ]);
  assert.deepEqual(issues.map((i) => [i.line, i.field]), [
    [3, 'services.a.requires[0]'],
    [3, 'services.a.requires[0]'],
    [3, 'services.a.requires[1]'],
  ]);
  const d = loadBad({ 'kelpie.toml': '[services.d]\ncommand = "d"\nafter = ["see"]\nrequires = ["see"]\n[services.c]\ncommand = "c"\nprovides = ["see"]\nafter = ["d"]\n' });
  assert.equal(d.issues.length, 1);
  // The requires edge is the one named when a service both requires and is ordered after another.
  assert.match(d.issues[0]!.hint ?? '', /:4: d requires c \(as "see"\)\n.*:8: c after d$/);
});
