// The importers' building blocks (TOML writing, shell words, durations, signals, names,
// format detection, rebasing paths) and edge cases of each converter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseToml, type TNode } from '../../src/config/toml.js';
import { escapeRegex, goDuration, pm2Duration, relocate, shellWords, signalName } from '../../src/import/common.js';
import { ImportError, convertCompose, convertPm2, convertProcessCompose, convertProcfile, detectFormat } from '../../src/import/index.js';
import { Table, basicString, inline, tomlKey, tomlString, writeTable } from '../../src/import/toml.js';
import { loads } from './helpers.js';

/** The value of `key` in a one-line TOML document. */
function readBack(text: string, key = 'k'): TNode {
  const r = parseToml(text);
  if (!r.ok) assert.fail(`${r.error.message}\n${text}`);
  return r.root.entries.get(key)!.node;
}

test('strings are written so that TOML reads back exactly the same text', () => {
  for (const s of ['plain', 'a "quote"', 'back\\slash', 'tab\tnew\nline\r', '\u0000\u001f\u007f', 'émoji 🦭', "it's", 'listening on port \\d+', "'\\'"]) {
    const node = readBack(`k = ${tomlString(s)}\n`);
    assert.equal(node.kind === 'string' && node.value, s, JSON.stringify(s));
  }
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const node = readBack(`k = ${tomlString(s)}\n`);
      return node.kind === 'string' && node.value === s;
    }),
    { numRuns: 500 },
  );
  assert.equal(tomlString('a\\d'), "'a\\d'", 'a regex reads better as a literal string');
  assert.equal(basicString('a\\d'), '"a\\\\d"');
});

test('keys are bare when they can be, quoted otherwise; tables go inline or under their own header', () => {
  assert.equal(tomlKey('web'), 'web');
  assert.equal(tomlKey('db.main'), '"db.main"');
  assert.equal(tomlKey('worker@2'), '"worker@2"');
  assert.equal(inline(new Table([['a', 1], ['b', true], ['c', ['x']]])), '{ a = 1, b = true, c = ["x"] }');
  const t = new Table([
    ['command', ['node', 'server.js']],
    ['env', new Table([['A', '1'], ['B', '2'], ['C', '3'], ['D', '4'], ['E', '5']])],
    ['stop', new Table([['timeout', '5s']])],
    ['requires', Array.from({ length: 6 }, (_, i) => new Table([['service', `dependency-${i}`], ['condition', 'started']]))],
  ]);
  const text = writeTable('services."db.main"', t, ['a comment']);
  assert.equal(
    text,
    `# a comment
[services."db.main"]
command = ["node", "server.js"]
stop = { timeout = "5s" }
requires = [
  { service = "dependency-0", condition = "started" },
  { service = "dependency-1", condition = "started" },
  { service = "dependency-2", condition = "started" },
  { service = "dependency-3", condition = "started" },
  { service = "dependency-4", condition = "started" },
  { service = "dependency-5", condition = "started" },
]

[services."db.main".env]
A = "1"
B = "2"
C = "3"
D = "4"
E = "5"
`,
  );
  assert.ok(parseToml(text).ok);
});

test('shell words, durations and signals', () => {
  assert.deepEqual(shellWords(`bash -c "rm -f x && rails s -b '0.0.0.0'"`), ['bash', '-c', "rm -f x && rails s -b '0.0.0.0'"]);
  assert.deepEqual(shellWords(`a 'b c' "d \\"e\\"" f\\ g ''`), ['a', 'b c', 'd "e"', 'f g', '']);
  assert.equal(shellWords(`echo "unterminated`), null);
  assert.equal(goDuration('1m30s'), 90_000);
  assert.equal(goDuration('1.5s'), 1500);
  assert.equal(goDuration('500ms'), 500);
  assert.equal(goDuration('2h'), 7_200_000);
  assert.equal(goDuration('10'), 10_000);
  assert.equal(goDuration('soon'), null);
  assert.equal(pm2Duration(1500), 1500);
  assert.equal(pm2Duration('5s'), 5000);
  assert.equal(pm2Duration('2m'), 120_000);
  assert.equal(pm2Duration('3000'), 3000);
  assert.equal(pm2Duration('forever'), null);
  assert.equal(signalName('SIGINT'), 'SIGINT');
  assert.equal(signalName('quit'), 'SIGQUIT');
  assert.equal(signalName(15), 'SIGTERM');
  assert.equal(signalName('9'), 'SIGKILL');
  assert.equal(signalName('SIGNOPE'), null);
  assert.equal(escapeRegex('ready (pid 3) in 1.5s [ok] $x ^ | * + ? {} /'), 'ready \\(pid 3\\) in 1\\.5s \\[ok\\] \\$x \\^ \\| \\* \\+ \\? \\{\\} \\/');
  assert.equal(relocate('', 'a'), 'a');
  assert.equal(relocate('..', 'web'), '../web');
  assert.equal(relocate('sub', './.env'), 'sub/.env');
  assert.equal(relocate('sub', '/abs'), '/abs');
});

test('the format is told by the file name, or else by the content', () => {
  assert.equal(detectFormat('Procfile.worker', ''), 'procfile');
  assert.equal(detectFormat('x/docker-compose.override.yml', ''), 'compose');
  assert.equal(detectFormat('compose.prod.yaml', ''), 'compose');
  assert.equal(detectFormat('process-compose.override.yaml', ''), 'process-compose');
  assert.equal(detectFormat('ecosystem.config.cjs', ''), 'pm2');
  assert.equal(detectFormat('anything.json', '{"apps":[{"script":"a.js"}]}'), 'pm2');
  assert.equal(detectFormat('anything.json', '[{"script":"a.js"}]'), 'pm2');
  assert.equal(detectFormat('stack.yml', 'services:\n  web:\n    image: nginx\n'), 'compose');
  assert.equal(detectFormat('dev.yml', 'processes:\n  a:\n    command: x\n'), 'process-compose');
  assert.equal(detectFormat('Procfile-ish', 'web: bundle exec puma\n# note\nworker: sidekiq\n'), 'procfile');
  assert.equal(detectFormat('notes.txt', 'hello world\n'), null);
});

test('names kelpie does not accept are made valid, uniquely, with a warning; valid names are kept; dependencies follow', async () => {
  const r = convertCompose(`services:
  "web app":
    command: ["./web"]
    depends_on: ["_db"]
  _db:
    command: ["./db"]
  web-app:
    command: ["./other"]
`);
  const c = await loads(r.toml);
  assert.deepEqual(Object.keys(c.services), ['web-app-2', 'db', 'web-app']);
  assert.deepEqual(c.services['web-app-2']!.requires.map((x) => x.service), ['db']);
  assert.deepEqual(c.services['web-app']!.command, ['./other'], 'a valid name is never taken by a made-up one');
  assert.ok(r.warnings.includes('services.web app: name "web app" is not a valid kelpie service name; it is "web-app-2" here'), r.warnings.join('\n'));
  assert.ok(r.warnings.includes('services._db: name "_db" is not a valid kelpie service name; it is "db" here'));
  const pm2 = convertPm2('{"apps":[{"name":"api","script":"a.js"},{"name":"api","script":"b.js"}]}');
  assert.deepEqual(Object.keys((await loads(pm2.toml)).services), ['api', 'api-2']);
  assert.ok(pm2.warnings.includes('apps[1].name: name "api" is used twice; this one is "api-2" here'));
});

test('paths are rebased when the kelpie.toml goes elsewhere, and cwd points back at the source', async () => {
  const procfile = convertProcfile('web: ./run\n', { base: 'app', envFile: '.env' });
  const c = await loads(procfile.toml, { 'app/.env': 'A=1\n' });
  assert.equal(c.services['web']!.cwd, c.file.replace(/kelpie\.toml$/, 'app'));
  assert.equal(c.services['web']!.env['A'], '1');
  const compose = convertCompose('services:\n  w:\n    command: x\n    working_dir: ./src\n    env_file: .env\n', { base: '../proj' });
  assert.match(compose.toml, /cwd = "\.\.\/proj\/src"\nenv_file = "\.\.\/proj\/\.env"/);
});

test('docker compose edge cases: entrypoint string, healthcheck off, restart "no", unknown dependency, wget probe', async () => {
  const r = convertCompose(`services:
  a:
    entrypoint: /docker-entrypoint.sh
    command: ["serve", "--port", "80"]
    restart: "no"
    healthcheck:
      disable: true
  b:
    command: ./b
    restart: no
    depends_on:
      ghost:
        condition: service_healthy
    healthcheck:
      test: ["NONE"]
  c:
    command: ./c
    healthcheck:
      test: wget -q --spider http://127.0.0.1:8080/ping
    depends_on:
      a:
        condition: service_started
      b:
        condition: service_done
  d:
    image: alpine
`);
  const c = await loads(r.toml);
  assert.deepEqual(c.services['a']!.command, ['/docker-entrypoint.sh', 'serve', '--port', '80']);
  assert.equal(c.services['a']!.restart, 'never');
  assert.equal(c.services['b']!.restart, 'never');
  assert.equal(c.services['a']!.ready.kind, 'none');
  assert.equal(c.services['b']!.ready.kind, 'none');
  assert.deepEqual(c.services['b']!.requires, []);
  assert.ok(r.warnings.includes('services.b.depends_on.ghost: no service "ghost" in this file; left out'));
  assert.ok(r.warnings.includes('services.c.depends_on.b.condition: unknown condition "service_done"; "started" is used'));
  const ready = c.services['c']!.ready;
  assert.equal(ready.kind === 'probe' && ready.probe.target.type === 'http' && ready.probe.target.url, 'http://127.0.0.1:8080/ping');
  assert.match(r.warnings.find((w) => w.startsWith('services.d.image'))!, /placeholder command/);
  const hosts = convertCompose(`services:
  db: { command: ./db }
  cache: { command: ./cache }
  app:
    command: ./app
    environment:
      A: postgres://u:p@db:5432/x
      B: redis://cache
      C: /var/lib/db/data
      D: db
      E: mydb:5432
`);
  assert.deepEqual(hosts.warnings.filter((w) => /by host name/.test(w)).map((w) => w.split(':')[0]), ['services.app.environment.A', 'services.app.environment.B', 'services.app.environment.D']);
  assert.throws(() => convertCompose('just: text\n'), ImportError);
  assert.throws(() => convertCompose('services: [\n'), ImportError);
});

test('pm2 edge cases: a bare list, one app, a missing script, ms and string times', async () => {
  const list = convertPm2('[{"script":"a.js","kill_timeout":"2s"},{"name":"b","script":"b.sh","interpreter":"/bin/zsh","interpreter_args":"-l"}]');
  const c = await loads(list.toml);
  assert.deepEqual(c.services['a']!.command, ['node', 'a.js']);
  assert.equal(c.services['a']!.stop.timeout, 2000);
  assert.deepEqual(c.services['b']!.command, ['/bin/zsh', '-l', 'b.sh']);
  const one = convertPm2('{"name":"solo","script":"server.js","autorestart":false}');
  assert.equal((await loads(one.toml)).services['solo']!.restart, 'never');
  const missing = convertPm2('{"apps":[{"name":"x"}]}');
  assert.deepEqual((await loads(missing.toml)).services['x']!.command, ['false']);
  assert.match(missing.warnings[0]!, /^apps\[0\]\.script \(x\): missing/);
  assert.throws(() => convertPm2('{"nope":1}'), ImportError);
});

test('process-compose edge cases: a regex-unsafe ready_log_line, a custom shell, an unknown signal, a liveness probe on a oneshot', async () => {
  const r = convertProcessCompose(`shell:
  shell_command: zsh
  shell_argument: -c
processes:
  a:
    command: ./server
    ready_log_line: "Listening on http://0.0.0.0:80 (press CTRL+C) [1/2]"
    shutdown:
      signal: 99
  b:
    command: ./job
    liveness_probe:
      exec:
        command: "true"
  c:
    command: ./c
    depends_on:
      b:
        condition: process_completed
`);
  const c = await loads(r.toml);
  const a = c.services['a']!;
  assert.deepEqual(a.command, ['zsh', '-c', './server']);
  assert.equal(a.ready.kind, 'log');
  const pattern = new RegExp(a.ready.kind === 'log' ? a.ready.pattern : '');
  assert.ok(pattern.test('INFO Listening on http://0.0.0.0:80 (press CTRL+C) [1/2]'));
  assert.ok(!pattern.test('Listening on http://0.0.0.0:80 (press CTRL+C) 1/2'));
  assert.ok(r.warnings.includes('processes.a.shutdown.signal: unknown signal 99; SIGTERM is used'));
  assert.equal(c.services['b']!.kind, 'oneshot');
  assert.equal(c.services['b']!.liveness, null);
  assert.ok(r.warnings.some((w) => w.startsWith('processes.b.liveness_probe: it runs to completion')));
  assert.ok(r.warnings.some((w) => w.startsWith('processes.c.depends_on.b.condition: kelpie waits for a successful exit')));
});

test('a Procfile with nothing to run is refused; comments alone make an empty config', async () => {
  assert.throws(() => convertProcfile('this is prose\nnot a procfile\n'), /does not look like a Procfile/);
  const empty = convertProcfile('# nothing yet\n\n');
  assert.match(empty.toml, /No services were found/);
  assert.deepEqual(Object.keys((await loads(empty.toml)).services), []);
});
