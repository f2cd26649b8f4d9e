import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadOk } from './helpers.js';

test('a minimal service gets every default', () => {
  const { config, dir } = loadOk({ 'kelpie.toml': '[services.web]\ncommand = ["node", "server.js"]\n' });
  assert.equal(config.file, join(dir, 'kelpie.toml'));
  assert.deepEqual(config.files, [join(dir, 'kelpie.toml')]);
  assert.deepEqual(config.global, { log: { maxBytes: 10 * 1024 * 1024, keep: 5 }, dashboard: { listen: '127.0.0.1:0', metrics: false }, listen: null, remotes: {} });
  assert.deepEqual({ ...config.services['web']! }, {
    name: 'web',
    kind: 'longrun',
    command: ['node', 'server.js'],
    cwd: dir,
    env: config.services['web']!.env,
    autostart: true,
    restart: 'on-failure',
    backoff: { initial: 100, max: 30_000, resetAfter: 60_000 },
    startLimit: { burst: 5, interval: 10_000 },
    successCodes: [0],
    noRestartCodes: [125],
    stop: { signal: 'SIGTERM', timeout: 10_000 },
    log: { maxBytes: 10 * 1024 * 1024, keep: 5 },
    requires: [],
    wants: [],
    after: [],
    provides: [],
    onDependencyRestart: 'ignore',
    ready: { kind: 'none' },
    readyTimeout: 30_000,
    watchdog: null,
    sockets: [],
    pidFile: null,
    privileges: { user: null, group: null, umask: null, nice: null, clearEnv: false, rlimits: {} },
    liveness: null,
    startup: null,
    onChange: 'restart',
    timer: null,
    processOf: null,
    processes: [],
    onProcessExit: 'restart-process',
    remote: null,
    source: { file: join(dir, 'kelpie.toml'), line: 1 },
  });
  assert.deepEqual({ ...config.services['web']!.env }, {});
});

test('a string command runs through /bin/sh -c', () => {
  const { config } = loadOk({ 'kelpie.toml': '[services.web]\ncommand = "node server.js | tee out"\n' });
  assert.deepEqual(config.services['web']!.command, ['/bin/sh', '-c', 'node server.js | tee out']);
});

test('every key is read and converted', () => {
  const { config, dir } = loadOk({
    'kelpie.toml': `
[log]
max_size = "1MB"
keep = 2

[services.api]
command = ["./api"]
cwd = "srv/api"
env = { MODE = "prod" }
autostart = false
restart = "always"
backoff = { initial = "1s", max = "1m", reset_after = "5m" }
start_limit = { burst = 3, interval = "1m30s" }
success_codes = [0, 143]
no_restart_codes = []
stop = { signal = "INT", timeout = "2s" }
log = { max_size = 2048 }
`,
  });
  const api = config.services['api']!;
  assert.equal(api.cwd, join(dir, 'srv/api'));
  assert.deepEqual({ ...api.env }, { MODE: 'prod' });
  assert.equal(api.autostart, false);
  assert.equal(api.restart, 'always');
  assert.deepEqual(api.backoff, { initial: 1000, max: 60_000, resetAfter: 300_000 });
  assert.deepEqual(api.startLimit, { burst: 3, interval: 90_000 });
  assert.deepEqual(api.successCodes, [0, 143]);
  assert.deepEqual(api.noRestartCodes, []);
  assert.deepEqual(api.stop, { signal: 'SIGINT', timeout: 2000 });
  assert.deepEqual(api.log, { maxBytes: 2048, keep: 2 }, 'keep comes from the global [log]');
  assert.deepEqual(config.global.log, { maxBytes: 1024 * 1024, keep: 2 });
});

test('an absolute cwd is kept; dotted keys and sub-tables work like inline tables', () => {
  const { config } = loadOk({
    'kelpie.toml': '[services.a]\ncommand = "x"\ncwd = "/var/tmp"\nstop.signal = "sigkill"\n[services.a.backoff]\nmax = "1h"\n',
  });
  const a = config.services['a']!;
  assert.equal(a.cwd, '/var/tmp');
  assert.equal(a.stop.signal, 'SIGKILL');
  assert.deepEqual(a.backoff, { initial: 100, max: 3_600_000, resetAfter: 60_000 });
});

test('services keep file order and include files follow in sorted order', () => {
  const { config, dir } = loadOk({
    'kelpie.toml': 'include = ["services.d/*.toml", "extra/one.toml"]\n[services.zeta]\ncommand = "z"\n[services.alpha]\ncommand = "a"\n',
    'services.d/20-web.toml': '[services.web]\ncommand = "w"\n',
    'services.d/10-db.toml': '[services.db]\ncommand = "d"\ncwd = "data"\n',
    'services.d/.hidden.toml': '[services.hidden]\ncommand = "h"\n',
    'services.d/notes.txt': 'not toml',
    'extra/one.toml': '[services.one]\ncommand = "1"\n',
  });
  assert.deepEqual(Object.keys(config.services), ['zeta', 'alpha', 'db', 'web', 'one']);
  assert.deepEqual(config.files, [
    join(dir, 'kelpie.toml'), join(dir, 'services.d/10-db.toml'), join(dir, 'services.d/20-web.toml'), join(dir, 'extra/one.toml'),
  ]);
  assert.equal(config.services['db']!.cwd, join(dir, 'services.d/data'), 'cwd is relative to the defining file');
  assert.deepEqual(config.services['web']!.source, { file: join(dir, 'services.d/20-web.toml'), line: 1 });
});

test('include supports ? and wildcards in directory segments; a glob matching nothing is fine', () => {
  const { config } = loadOk({
    'kelpie.toml': 'include = ["d?/*/s.toml", "none/*.toml"]\n',
    'd1/x/s.toml': '[services.x]\ncommand = "x"\n',
    'd2/y/s.toml': '[services.y]\ncommand = "y"\n',
    'dd1/z/s.toml': '[services.z]\ncommand = "z"\n',
  });
  assert.deepEqual(Object.keys(config.services), ['x', 'y']);
});

test('a file matched twice, or the main file matching its own glob, is read once', () => {
  const { config } = loadOk({
    'kelpie.toml': 'include = ["*.toml", "a.toml"]\n[services.main]\ncommand = "m"\n',
    'a.toml': '[services.a]\ncommand = "a"\n',
  });
  assert.deepEqual(Object.keys(config.services), ['main', 'a']);
  assert.equal(config.files.length, 2);
});

test('env_file then env: files in order, env wins; dotenv syntax', () => {
  const { config } = loadOk({
    'kelpie.toml': '[services.s]\ncommand = "x"\nenv_file = [".env", "conf/more.env"]\nenv = { OVER = "from-env" }\n',
    '.env': [
      '# comment',
      '',
      'PLAIN=value',
      'export EXPORTED=yes',
      '  SPACED  =  padded value   # trailing comment',
      'SINGLE=\'no $expansion \\n here\'',
      'DOUBLE="line1\\nline2\\t\\"q\\""  # comment',
      'HASH=a#b',
      'EMPTY=',
      'OVER=from-file',
      'LATER=first',
      'CRLF=yes\r',
    ].join('\n'),
    'conf/more.env': 'LATER=second\n',
  });
  assert.deepEqual({ ...config.services['s']!.env }, {
    PLAIN: 'value',
    EXPORTED: 'yes',
    SPACED: 'padded value',
    SINGLE: 'no $expansion \\n here',
    DOUBLE: 'line1\nline2\t"q"',
    HASH: 'a#b',
    EMPTY: '',
    OVER: 'from-env',
    LATER: 'second',
    CRLF: 'yes',
  });
});

test('a single env_file string is accepted', () => {
  const { config } = loadOk({ 'kelpie.toml': '[services.s]\ncommand = "x"\nenv_file = "vars"\n', vars: 'A=1\n' });
  assert.equal(config.services['s']!.env['A'], '1');
});

test('the result is deeply frozen', () => {
  const { config } = loadOk({ 'kelpie.toml': '[services.s]\ncommand = ["a", "b"]\nenv = { A = "1" }\n' });
  const s = config.services['s']!;
  for (const o of [config, config.files, config.global, config.global.log, config.services, s, s.command, s.env, s.backoff, s.successCodes, s.log, s.source]) {
    assert.ok(Object.isFrozen(o));
  }
  assert.throws(() => {
    (s.command as string[]).push('c');
  }, TypeError);
});

test('services and env are null-prototype maps (no inherited "toString" service)', () => {
  const { config } = loadOk({ 'kelpie.toml': '[services.constructor]\ncommand = "x"\nenv = { __proto__ = "p" }\n' });
  assert.equal(config.services['toString'], undefined);
  assert.equal(config.services['constructor']!.env['__proto__'], 'p');
});

test('no services at all is a valid (empty) config', () => {
  const { config } = loadOk({ 'kelpie.toml': '# nothing yet\n' });
  assert.deepEqual(Object.keys(config.services), []);
});

test('[[services.NAME.processes]]: each process is a service NAME:PROC; the service requires them all, ready', () => {
  const { config } = loadOk({
    'kelpie.toml': `[services.db]
command = "db"

[services.web]
requires = ["db"]
env = { A = "1" }
restart = "always"

[[services.web.processes]]
name = "server"
command = ["srv", "--port", "80"]
ready = { tcp = 80 }

[[services.web.processes]]
name = "ui"
command = "ui"
cwd = "ui"
env = { B = "2" }
`,
  });
  const web = config.services['web']!;
  const server = config.services['web:server']!;
  const ui = config.services['web:ui']!;
  assert.equal(web.kind, 'target');
  assert.deepEqual(web.processes, ['web:server', 'web:ui']);
  assert.equal(web.onProcessExit, 'restart-process');
  assert.deepEqual(web.requires.map((r) => `${r.service} ${r.condition}`), ['db ready', 'web:server ready', 'web:ui ready']);
  assert.equal(server.processOf, 'web');
  assert.deepEqual(server.command, ['srv', '--port', '80']);
  assert.deepEqual(server.ready?.kind === 'probe' && server.ready.probe.target, { type: 'tcp', host: '127.0.0.1', port: 80 });
  assert.equal(server.autostart, false, 'a process starts with its service');
  assert.equal(server.restart, 'always', 'the restart policy is the service’s');
  assert.deepEqual(server.requires.map((r) => r.service), ['db'], 'a process requires what its service does');
  assert.deepEqual(ui.command, ['/bin/sh', '-c', 'ui']);
  assert.ok(ui.cwd.endsWith('/ui'));
  assert.deepEqual({ A: ui.env['A'], B: ui.env['B'] }, { A: '1', B: '2' });
  assert.deepEqual(ui.ready, { kind: 'none' });
});
