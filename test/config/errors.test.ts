import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { loadBad, only, withFiles } from './helpers.js';

const svc = (body: string): Record<string, string> => ({ 'kelpie.toml': `[services.web]\ncommand = "x"\n${body}\n` });

test('a TOML syntax error names file, line and column', () => {
  const { issues, dir } = loadBad({ 'kelpie.toml': '[services.web]\ncommand = ["a",, "b"]\n' });
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.file, join(dir, 'kelpie.toml'));
  assert.equal(issues[0]!.line, 2);
  assert.equal(issues[0]!.column, 16);
  assert.match(issues[0]!.message, /^invalid TOML: /);
});

test('a missing main file is one issue with line 0', () => {
  const r = loadConfig('/nonexistent/kelpie.toml');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.issues, [{ file: '/nonexistent/kelpie.toml', line: 0, column: 0, field: '', message: 'cannot read config file /nonexistent/kelpie.toml: ENOENT' }]);
});

test('unknown keys get "did you mean" at every level, or the list of valid keys', () => {
  const { issues } = loadBad({
    'kelpie.toml': 'service = 1\n[services.web]\ncomand = "x"\nrestrat = "always"\nbackoff = { inital = "1s" }\nfrobnicate = true\ntimeout = "1s"\n',
  });
  assert.deepEqual(only(issues, 'service'), { file: issues[0]!.file, line: 1, column: 1, field: 'service', message: 'unknown key "service"', hint: 'did you mean "services"?' });
  assert.equal(only(issues, 'services.web.comand').hint, 'did you mean "command"?');
  assert.equal(only(issues, 'services.web.comand').line, 3);
  assert.equal(only(issues, 'services.web.restrat').hint, 'did you mean "restart"?');
  const inital = only(issues, 'services.web.backoff.inital');
  assert.equal(inital.hint, 'did you mean "initial"?');
  assert.deepEqual([inital.line, inital.column], [5, 13]);
  assert.match(only(issues, 'services.web.frobnicate').hint ?? '', /^valid keys here: command, kind, cwd, env, /);
  assert.equal(only(issues, 'services.web.timeout').hint, '"timeout" belongs in stop: write stop = { timeout = … }');
  // The typo'd command also means command is missing, at the service table's line.
  const missing = only(issues, 'services.web.command');
  assert.deepEqual([missing.line, missing.column, missing.message], [2, 1, 'missing required key "command"']);
});

test('missing command is reported at the service table, in any file', () => {
  const { issues, dir } = loadBad({
    'kelpie.toml': 'include = ["more.toml"]\n\n[services.a]\nrestart = "never"\n',
    'more.toml': '# more\n[services.b]\n',
  });
  assert.deepEqual(issues.map((i) => [i.file, i.line, i.field]), [
    [join(dir, 'kelpie.toml'), 3, 'services.a.command'],
    [join(dir, 'more.toml'), 2, 'services.b.command'],
  ]);
});

test('bad commands', () => {
  const cases: [string, string, number][] = [
    ['command = 5', 'expected a non-empty string or a non-empty array of strings, got 5', 11],
    ['command = []', 'expected a non-empty string or a non-empty array of strings, got []', 11],
    ['command = "  "', 'expected a non-empty string or a non-empty array of strings, got "  "', 11],
    ['command = ["a", 1]', 'expected every element of command to be a string, got 1', 17],
    ['command = ["", "x"]', 'expected a program name as the first element of command, got ""', 12],
  ];
  for (const [line, message, column] of cases) {
    const { issues } = loadBad({ 'kelpie.toml': `[services.web]\n${line}\n` });
    const i = only(issues, 'services.web.command');
    assert.deepEqual([i.line, i.column, i.message], [2, column, message], line);
  }
});

test('wrong types and values name the field, the value received and what was expected', () => {
  const { issues, dir } = loadBad(svc([
    'restart = "Always"', // 3
    'autostart = "yes"', // 4
    'cwd = 1', // 5
    'success_codes = [0, 256, 1.5]', // 6
    'no_restart_codes = 125', // 7
    'stop = { signal = "SIGTREM", timeout = 10 }', // 8
    'start_limit = { burst = 0, interval = "0s" }', // 9
    'backoff = { initial = "1m", max = "30s", reset_after = "forever" }', // 10
    'log = { max_size = "10TB", keep = -1 }', // 11
  ].join('\n')));
  const file = join(dir, 'kelpie.toml');
  assert.deepEqual(only(issues, 'services.web.restart'), {
    file, line: 3, column: 11, field: 'services.web.restart',
    message: 'expected one of "always", "on-failure", "never", got "Always"',
    received: '"Always"', expected: 'one of "always", "on-failure", "never"', hint: 'did you mean "always"?',
  });
  assert.equal(only(issues, 'services.web.autostart').message, 'expected true or false, got "yes"');
  assert.equal(only(issues, 'services.web.cwd').message, 'expected a string, got 1');
  assert.deepEqual(issues.filter((i) => i.field.startsWith('services.web.success_codes')).map((i) => [i.field, i.column, i.received]), [
    ['services.web.success_codes[1]', 21, '256'],
    ['services.web.success_codes[2]', 26, '1.5'],
  ]);
  assert.equal(only(issues, 'services.web.no_restart_codes').message, 'expected an array of integers from 0 to 255, got 125');
  assert.equal(only(issues, 'services.web.stop.signal').hint, 'did you mean "SIGTERM"?');
  const timeout = only(issues, 'services.web.stop.timeout');
  assert.equal(timeout.line, 8);
  assert.match(timeout.hint ?? '', /write "10s" or "10ms"/);
  assert.equal(only(issues, 'services.web.start_limit.burst').message, 'expected an integer from 1 to 1000000, got 0');
  assert.equal(only(issues, 'services.web.start_limit.interval').message, 'expected a duration of at least 1ms, got "0s"');
  assert.equal(only(issues, 'services.web.backoff.reset_after').received, '"forever"');
  assert.equal(only(issues, 'services.web.log.max_size').line, 11);
  assert.equal(only(issues, 'services.web.log.keep').message, 'expected an integer from 0 to 1000, got -1');
  // initial > max is reported even though reset_after is also wrong
  assert.equal(only(issues, 'services.web.backoff.initial').line, 10);
  // sorted by position
  assert.deepEqual(issues.map((i) => i.line), [...issues.map((i) => i.line)].sort((a, b) => a - b));
});

test('backoff.initial must not exceed backoff.max', () => {
  const { issues } = loadBad(svc('backoff = { initial = "1m", max = "30s" }'));
  const i = only(issues, 'services.web.backoff.initial');
  assert.deepEqual([i.line, i.column, i.message], [3, 23, 'expected a duration no longer than backoff.max (30s), got "1m"']);
});

test('env values must be strings; numbers and booleans get a quoting hint', () => {
  const { issues } = loadBad(svc('env = { PORT = 8080, DEBUG = true, "A=B" = "x", OK = "y" }'));
  assert.deepEqual(only(issues, 'services.web.env.PORT'), {
    file: issues[0]!.file, line: 3, column: 16, field: 'services.web.env.PORT',
    message: 'expected a string, got 8080', received: '8080', expected: 'a string', hint: 'quote it: PORT = "8080"',
  });
  assert.equal(only(issues, 'services.web.env.DEBUG').hint, 'quote it: DEBUG = "true"');
  assert.match(only(issues, 'services.web.env.A=B').message, /invalid environment variable name/);
  assert.equal(issues.length, 3);
});

test('env_file: a missing file is named; bad lines name the env file and line', () => {
  const { issues, dir } = loadBad({
    'kelpie.toml': '[services.web]\ncommand = "x"\nenv_file = ["missing.env", "bad.env", 7]\n',
    'bad.env': 'GOOD=1\nno equals here\n1BAD=x\nQ="unterminated\nS=\'x\' trailing\nE="\\q"\n',
  });
  const main = join(dir, 'kelpie.toml');
  assert.deepEqual(issues.map((i) => [i.file, i.line, i.column, i.field, i.message]), [
    [main, 3, 39, 'services.web.env_file[2]', 'expected a non-empty path, got 7'],
  ]);
  // Once the list itself is valid, the files are read.
  const second = loadBad({
    'kelpie.toml': '[services.web]\ncommand = "x"\nenv_file = ["missing.env", "bad.env"]\n',
    'bad.env': 'GOOD=1\nno equals here\n1BAD=x\nQ="unterminated\nS=\'x\' trailing\nE="\\q"\n',
  });
  const m2 = join(second.dir, 'kelpie.toml');
  const b2 = join(second.dir, 'bad.env');
  assert.deepEqual(second.issues.map((i) => [i.file, i.line, i.column, i.field, i.message]), [
    [m2, 3, 13, 'services.web.env_file', `cannot read env file ${join(second.dir, 'missing.env')}: ENOENT`],
    [b2, 2, 1, 'services.web.env_file', 'expected KEY=VALUE, got "no equals here"'],
    [b2, 3, 1, 'services.web.env_file', 'invalid variable name "1BAD", got "1BAD=x"'],
    [b2, 4, 3, 'services.web.env_file', 'unterminated double-quoted value, got "Q=\\"unterminated"'],
    [b2, 5, 3, 'services.web.env_file', 'unexpected text after the closing quote, got "S=\'x\' trailing"'],
    [b2, 6, 3, 'services.web.env_file', 'unknown escape \\q in double-quoted value, got "E=\\"\\\\q\\""'],
  ]);
});

test('service names: pattern and length', () => {
  const long = 'a'.repeat(65);
  const { issues } = loadBad({ 'kelpie.toml': `[services."-web"]\ncommand = "x"\n[services.${long}]\ncommand = "x"\n[services."a b"]\n` });
  assert.deepEqual(issues.map((i) => [i.line, i.column, i.field, i.message]), [
    [1, 11, 'services.-web', 'invalid name "-web"'],
    [3, 11, `services.${long}`, `invalid name "${long}"`],
    [5, 11, 'services.a b', 'invalid name "a b"'],
    [5, 1, 'services.a b.command', 'missing required key "command"'],
  ].sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number)));
  assert.match(issues[0]!.expected ?? '', /at most 64 characters/);
});

test('includes: missing plain file, main-only keys, parse errors, redefinition naming both places', () => {
  const { issues, dir } = loadBad({
    'kelpie.toml': 'include = ["nope.toml", "d/*.toml"]\n[services.web]\ncommand = "x"\n',
    'd/a.toml': 'include = ["x"]\n[log]\nkeep = 1\n\n[services.web]\ncommand = "y"\n',
    'd/b.toml': '[services.db\n',
  });
  const a = join(dir, 'd/a.toml');
  assert.deepEqual(issues.map((i) => [i.file, i.line, i.field]), [
    [join(dir, 'kelpie.toml'), 1, 'include'],
    [a, 1, 'include'],
    [a, 2, 'log'],
    [a, 5, 'services.web'],
    [join(dir, 'd/b.toml'), 2, ''], // the parser notices the missing ] at the end of the line
  ]);
  assert.equal(issues[0]!.message, `cannot include "nope.toml": no such file: ${join(dir, 'nope.toml')}`);
  assert.equal(issues[1]!.message, '"include" is only allowed in the main config file');
  assert.equal(
    issues[3]!.message,
    `service "web" is already defined at ${join(dir, 'kelpie.toml')}:2; it is defined again here at ${a}:5`,
  );
  assert.match(issues[4]!.message, /^invalid TOML/);
});

test('issue file names follow how the main file was named', () => {
  const files = { 'kelpie.toml': 'include = ["d/*.toml"]\n[services.m]\ncommand = 1\n', 'd/a.toml': '[services.a]\n' };
  const absolute = loadBad(files);
  assert.deepEqual(absolute.issues.map((i) => i.file), [join(absolute.dir, 'kelpie.toml'), join(absolute.dir, 'd/a.toml')]);
  withFiles(files, (dir) => {
    const prev = process.cwd();
    process.chdir(dir);
    try {
      const r = loadConfig('kelpie.toml');
      assert.deepEqual(r.ok ? [] : r.issues.map((i) => i.file), ['kelpie.toml', 'd/a.toml']);
    } finally {
      process.chdir(prev);
    }
  });
});

test('other TOML values that are never valid here', () => {
  const { issues } = loadBad(svc('autostart = 1979-05-27\nrestart = ["always"]\nbackoff = "1s"\n[[services.db]]\ncommand = "x"'));
  assert.equal(only(issues, 'services.web.autostart').received, '1979-05-27');
  assert.equal(only(issues, 'services.web.restart').received, '["always"]');
  assert.equal(only(issues, 'services.web.backoff').message, 'expected a table, got "1s"');
  assert.equal(only(issues, 'services.db').message, 'expected a table, got [{ command = "x" }]');
});

test('huge integers are rejected, not rounded', () => {
  const { issues } = loadBad(svc('start_limit = { burst = 99999999999999999999 }'));
  assert.equal(only(issues, 'services.web.start_limit.burst').received, '99999999999999999999');
});

test('processes: no command beside them, per-process keys belong to a process, names unique, only a longrun', () => {
  const proc = (name: string, extra = ''): string => `\n[[services.web.processes]]\nname = "${name}"\ncommand = "x"\n${extra}`;
  let { issues } = loadBad({ 'kelpie.toml': `[services.web]\ncommand = "x"\nready = { tcp = 80 }\n${proc('a')}` });
  assert.match(only(issues, 'services.web.command').message, /"command" is not allowed with "processes"/);
  assert.match(only(issues, 'services.web.ready').message, /"ready" is not allowed together with processes/);
  assert.match(only(issues, 'services.web.ready').hint ?? '', /\[\[services\.web\.processes\]\]/);

  ({ issues } = loadBad({ 'kelpie.toml': `[services.web]\n${proc('a')}${proc('a')}${proc('b c')}` }));
  assert.match(only(issues, 'services.web.processes[1].name').message, /process "a" is defined twice in web/);
  assert.equal(only(issues, 'services.web.processes[2].name').received, '"b c"');

  ({ issues } = loadBad({ 'kelpie.toml': `[services.web]\nkind = "oneshot"\n${proc('a')}\n[[services.web.processes]]\ncommand = "y"\nfrobnicate = 1\n` }));
  assert.ok(issues.some((i) => i.field === 'services.web.processes' && /longrun/.test(`${i.message} ${i.hint}`)), JSON.stringify(issues));
  assert.equal(only(issues, 'services.web.processes[1].name').message, 'missing required key "name"');
  assert.ok(issues.some((i) => i.field === 'services.web.processes[1].frobnicate'), JSON.stringify(issues));

  ({ issues } = loadBad({ 'kelpie.toml': `[services.web]\nprocesses = []\n` }));
  assert.equal(only(issues, 'services.web.processes').expected ?? only(issues, 'services.web.processes').message, 'a non-empty array of tables');
});
