// import, init, completion and doctor as commands: run the way main.ts runs a registered
// command (test/import/run-command.ts), in temp directories. The completion scripts are tried
// in real shells, against a fake kelpie and against a running daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Project, fixture as runFixture } from '../helpers/project.js';
import { loadConfig } from '../../src/config/index.js';
import { configCheck, factChecks, homeChecks, kernelVersion, type Facts } from '../../src/cli/commands/doctor.js';
import { schemaPath, schemaRef, starterToml } from '../../src/cli/commands/init.js';
import { KNOWN_COMMANDS, completion, completionScript, specOf } from '../../src/cli/commands/completion.js';
import { FIXTURES, ROOT, run, runCommand, withDir } from './helpers.js';

const has = (prog: string): boolean => spawnSync('sh', ['-c', `command -v ${prog}`]).status === 0;

test('import: prints the kelpie.toml on stdout and one warning line per setting on stderr', async () => {
  await withDir({}, async (dir) => {
    copyFileSync(join(FIXTURES, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
    const r = await runCommand('import', ['docker-compose.yml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(FIXTURES, 'expected/docker-compose.yml.toml'), 'utf8'));
    assert.equal(r.stderr, readFileSync(join(FIXTURES, 'expected/docker-compose.yml.warnings'), 'utf8').replace(/^/gm, 'warning: ').replace(/warning: $/, ''));
  });
});

test('import -o: writes the file, rebases paths, refuses to overwrite without --force, checks the result', async () => {
  await withDir({ 'app/Procfile': 'web: ./bin/web -p $PORT\n', 'app/.env': 'A=1\n', 'other.txt': 'x' }, async (dir) => {
    const r = await runCommand('import', ['app/Procfile', '-o', 'kelpie.toml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wrote kelpie\.toml \(procfile\): 1 service\(s\), 0 warning\(s\)$/m);
    const c = loadConfig(join(dir, 'kelpie.toml'));
    assert.ok(c.ok);
    assert.equal(c.config.services['web']!.cwd, join(dir, 'app'), 'the Procfile\'s directory, as foreman runs it');
    assert.equal(c.config.services['web']!.env['A'], '1', 'foreman reads .env beside the Procfile');
    assert.equal(c.config.services['web']!.env['PORT'], '5000');

    const again = await runCommand('import', ['app/Procfile', '-o', 'kelpie.toml'], { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /kelpie: error: import: kelpie\.toml already exists\n {2}hint: pass --force to overwrite it/);
    const forced = await runCommand('import', ['app/Procfile', '-o', 'kelpie.toml', '--force', '--format', 'procfile'], { cwd: dir });
    assert.equal(forced.code, 0, forced.stderr);

    const nested = await runCommand('import', ['app/Procfile', '-o', 'deploy/k/kelpie.toml'], { cwd: dir });
    assert.equal(nested.code, 0, nested.stderr);
    assert.match(readFileSync(join(dir, 'deploy/k/kelpie.toml'), 'utf8'), /cwd = "\.\.\/\.\.\/app"\nenv_file = "\.\.\/\.\.\/app\/\.env"/);

    const unknown = await runCommand('import', ['other.txt'], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /cannot tell what kind of file other\.txt is\n {2}hint: name it with --format procfile\|pm2\|compose\|process-compose/);
    const badFormat = await runCommand('import', ['other.txt', '--format', 'systemd'], { cwd: dir });
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /unknown format "systemd"/);
    const notCompose = await runCommand('import', ['other.txt', '--format', 'compose'], { cwd: dir });
    assert.equal(notCompose.code, 2);
    assert.match(notCompose.stderr, /other\.txt: no "services" mapping found/);
  });
});

test('import -o: what keeps the result from loading here is reported (a missing env_file)', async () => {
  await withDir({ 'compose.yaml': 'services:\n  w:\n    command: ./w\n    env_file: [.env]\n' }, async (dir) => {
    const r = await runCommand('import', ['compose.yaml', '-o', 'kelpie.toml', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { ok: boolean; services: number; problems: string[] };
    assert.equal(j.services, 1);
    assert.equal(j.problems.length, 1);
    assert.match(j.problems[0]!, /\.env/);
    assert.match(r.stderr, /^warning: kelpie\.toml:\d+:\d+: services\.w\.env_file/m);
  });
});

test('import: a JavaScript pm2 ecosystem file is evaluated in a child node, not in kelpie', async () => {
  await withDir({}, async (dir) => {
    writeFileSync(join(dir, 'ecosystem.config.cjs'), `
      console.log('noise on stdout'); // must not end up in the TOML
      globalThis.kelpieWasHere = true;
      module.exports = { apps: [{ name: 'api', script: 'server.js', env: { FROM: process.env.FROM_PARENT } }] };
    `);
    const r = await runCommand('import', ['ecosystem.config.cjs'], { cwd: dir, env: { FROM_PARENT: 'yes' } });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /noise/);
    assert.match(r.stdout, /\[services\.api\]\ncommand = \["node", "server\.js"\]\nenv = \{ FROM = "yes" \}/);
    writeFileSync(join(dir, 'broken.config.js'), 'module.exports = {');
    const bad = await runCommand('import', ['broken.config.js'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /kelpie: error: broken\.config\.js: cannot be loaded as a JavaScript module: SyntaxError/);
  });
});

test('init: a commented starter that loads, names the shipped schema, and is not overwritten without --force', async () => {
  await withDir({}, async (dir) => {
    const r = await runCommand('init', [], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wrote kelpie\.toml$/m);
    const text = readFileSync(join(dir, 'kelpie.toml'), 'utf8');
    const first = text.split('\n')[0]!;
    assert.match(first, /^#:schema \S+kelpie\.schema\.json$/);
    const ref = first.slice('#:schema '.length);
    const schemaFile = ref.startsWith('file:') ? fileURLToPath(ref) : resolve(dir, ref);
    assert.equal(schemaFile, join(ROOT, 'schema/kelpie.schema.json'));
    assert.ok(JSON.parse(readFileSync(schemaFile, 'utf8')).$schema);
    const c = loadConfig(join(dir, 'kelpie.toml'));
    assert.ok(c.ok && Object.keys(c.config.services).length === 1);
    assert.ok(text.split('\n').filter((l) => l.startsWith('#')).length > 30, 'commented');

    writeFileSync(join(dir, 'kelpie.toml'), 'mine');
    const again = await runCommand('init', [], { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /init: kelpie\.toml already exists\n {2}hint: pass --force/);
    assert.equal(readFileSync(join(dir, 'kelpie.toml'), 'utf8'), 'mine');
    assert.equal((await runCommand('init', ['--force'], { cwd: dir })).code, 0);
    assert.notEqual(readFileSync(join(dir, 'kelpie.toml'), 'utf8'), 'mine');
    assert.equal((await runCommand('init', ['-f', 'sub.toml'], { cwd: dir })).code, 0);
    assert.ok(existsSync(join(dir, 'sub.toml')));
  });
});

test('init: the schema is found from dist/ and from source; referenced relatively inside a tree, as a file URL across trees', () => {
  assert.equal(schemaPath(join(ROOT, 'dist')), join(ROOT, 'schema/kelpie.schema.json'));
  assert.equal(schemaPath(join(ROOT, 'src/cli/commands')), join(ROOT, 'schema/kelpie.schema.json'));
  assert.equal(schemaRef('/home/u/app', '/home/u/app/node_modules/kelpie/schema/kelpie.schema.json'), './node_modules/kelpie/schema/kelpie.schema.json');
  assert.equal(schemaRef('/home/u/app/deploy', '/home/u/kelpie/schema/kelpie.schema.json'), '../../kelpie/schema/kelpie.schema.json');
  assert.equal(schemaRef('/home/u/app', '/usr/lib/node_modules/kelpie/schema/kelpie.schema.json'), 'file:///usr/lib/node_modules/kelpie/schema/kelpie.schema.json');
  assert.match(starterToml(null), /^# kelpie\.toml/, 'no schema: no #:schema line');
});

/** Doctor facts for a plain modern Linux host; tests change one thing at a time. */
function facts(over: Partial<Facts> = {}): Facts {
  return {
    node: 'v20.11.0',
    platform: 'linux',
    kernel: '6.1.0-18-amd64',
    env: {},
    pid: 4242,
    home: '/srv/app/.kelpie',
    config: '/srv/app/kelpie.toml',
    exists: () => false,
    read: (p) => (p === '/proc/1/comm' ? 'systemd\n' : p === '/proc/1/cgroup' ? '0::/init.scope\n' : null),
    ...over,
  };
}

test('doctor: versions, kernel features, systemd, containers and PID 1, each with what degrades', () => {
  const byName = (checks: ReturnType<typeof factChecks>, name: string) => checks.find((c) => c.name === name)!;
  const modern = factChecks(facts());
  assert.deepEqual(modern.map((c) => [c.name, c.status]), [['node', 'ok'], ['kernel', 'ok'], ['pidfd', 'ok'], ['systemd', 'info'], ['container', 'info'], ['pid 1', 'info']]);
  assert.match(byName(modern, 'pid 1').detail, /PID 1 is systemd/);
  assert.match(byName(modern, 'container').detail, /^not in a container/);

  const old = factChecks(facts({ kernel: '3.2.0-4-amd64', node: 'v18.19.0' }));
  assert.equal(byName(old, 'node').status, 'fail');
  assert.equal(byName(old, 'kernel').status, 'warn');
  assert.match(byName(old, 'kernel').degrades!, /go to init/);
  assert.equal(byName(old, 'pidfd').status, 'warn');
  assert.equal(byName(factChecks(facts({ kernel: '5.2.21' })), 'pidfd').status, 'warn');
  assert.equal(byName(factChecks(facts({ kernel: '5.3.0' })), 'pidfd').status, 'ok');
  assert.deepEqual(kernelVersion('4.19.0-27-cloud-amd64'), [4, 19]);

  assert.match(byName(factChecks(facts({ env: { NOTIFY_SOCKET: '/run/systemd/notify' } })), 'systemd').detail, /NOTIFY_SOCKET/);
  assert.match(byName(factChecks(facts({ env: { INVOCATION_ID: 'abc' } })), 'systemd').detail, /INVOCATION_ID abc/);
  assert.match(byName(factChecks(facts({ exists: (p) => p === '/.dockerenv' })), 'container').detail, /^in a container \(\/\.dockerenv\)/);
  assert.match(byName(factChecks(facts({ exists: (p) => p === '/run/.containerenv' })), 'container').detail, /\/run\/\.containerenv/);
  assert.match(byName(factChecks(facts({ env: { container: 'podman' } })), 'container').detail, /container=podman/);
  assert.match(byName(factChecks(facts({ read: (p) => (p === '/proc/1/cgroup' ? '0::/kubepods/besteffort/pod1\n' : null) })), 'container').detail, /kubepods/);
  assert.match(byName(factChecks(facts({ pid: 1 })), 'pid 1').detail, /runs as PID 1/);
  const mac = factChecks(facts({ platform: 'darwin' }));
  assert.equal(byName(mac, 'platform').status, 'warn');
});

test('doctor: the home must be writable and its socket path short; the config is checked', async () => {
  await withDir({ 'file.txt': 'x', 'kelpie.toml': '[services.a]\ncommand = "true"\n', 'bad.toml': '[services.a]\ncommand = 1\n' }, (dir) => {
    const ok = homeChecks(join(dir, '.kelpie'));
    assert.deepEqual(ok.map((c) => [c.name, c.status]), [['home', 'ok'], ['socket path', 'ok'], ['tmp', 'ok']]);
    assert.match(ok[0]!.detail, /does not exist yet/);
    const blocked = homeChecks(join(dir, 'file.txt', '.kelpie'));
    assert.equal(blocked[0]!.status, 'fail');
    assert.match(blocked[0]!.degrades!, /KELPIE_HOME/);
    const long = homeChecks(join(dir, 'x'.repeat(120)));
    assert.equal(long.find((c) => c.name === 'socket path')!.status, 'fail');
    assert.equal(configCheck(join(dir, 'kelpie.toml')).status, 'ok');
    assert.equal(configCheck(join(dir, 'bad.toml')).status, 'fail');
    assert.equal(configCheck(join(dir, 'none.toml')).status, 'info');
  });
});

test('doctor: runs every probe here, prints ok/warn lines and a summary, exits 0 without failures', async () => {
  await withDir({}, async (dir) => {
    const r = await runCommand('doctor', [], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const name of ['node', 'kernel', 'pidfd', 'ffi', 'notify', 'home', 'socket path', 'systemd', 'container', 'pid 1', 'config']) {
      assert.match(r.stdout, new RegExp(`^(ok|warn|info) +${name} `, 'm'), name);
    }
    assert.match(r.stdout, /^\d+ ok, \d+ warning\(s\), 0 failure\(s\)$/m);
    const j = await runCommand('doctor', ['--json', '--home', join(dir, 'file', 'x'.repeat(120))], { cwd: dir });
    const report = JSON.parse(j.stdout) as { ok: boolean; checks: Array<{ name: string; status: string }> };
    assert.equal(j.code, 1);
    assert.equal(report.ok, false);
    assert.equal(report.checks.find((c) => c.name === 'socket path')!.status, 'fail');
  });
});

const KNOWN_FOR_TEST = [...KNOWN_COMMANDS, completion];

test('completion: every command, its flags and its arguments are read from the Command objects', () => {
  const spec = (name: string) => specOf([...KNOWN_FOR_TEST].find((c) => c.name === name)!);
  assert.deepEqual(spec('signal').args, ['service', 'signal']);
  assert.deepEqual(spec('logs').args, ['service']);
  assert.equal(spec('logs').variadic, true);
  assert.deepEqual(spec('import').args, ['file']);
  assert.deepEqual(spec('import').flags.find((f) => f.long === 'format')!.value, 'words:procfile,pm2,compose,process-compose');
  assert.deepEqual(spec('completion').args, ['words:bash,zsh,fish']);
  assert.deepEqual(spec('run').args, ['command', 'file']);
  assert.deepEqual(spec('reload').flags.find((f) => f.long === 'defer')!.value, 'service');
  assert.deepEqual(spec('up').args, []);
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const s = completionScript(shell, KNOWN_FOR_TEST);
    for (const name of ['up', 'status', 'import', 'init', 'doctor', 'completion']) assert.match(s, new RegExp(`\\b${name}\\b`));
  }
});


/** A directory with a fake `kelpie` on PATH answering `status --json` with two services. */
function fakeKelpie(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'kelpie'),
    `#!/bin/sh
echo "$@" >> "${join(dir, 'calls.log')}"
cat <<'JSON'
${JSON.stringify({ daemon: { keeper_pid: 1, version: '0.1.0', home: '/x' }, services: [{ name: 'web', state: 'running' }, { name: 'worker.eu', state: 'failed' }] }, null, 2)}
JSON
`,
  );
  chmodSync(join(bin, 'kelpie'), 0o755);
  return bin;
}

async function script(shell: string, dir: string): Promise<string> {
  const r = await runCommand('completion', [shell], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, `kelpie.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

test('completion bash: commands, flags, flag values and service names from `kelpie status --json`', async () => {
  await withDir({}, async (dir) => {
    const bin = fakeKelpie(dir);
    const file = await script('bash', dir);
    const complete = (words: string): string => {
      const r = spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _kelpie; echo "\${COMPREPLY[*]}"`], {
        cwd: dir,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    assert.equal(complete('kelpie sta'), 'status start');
    assert.equal(complete('kelpie i'), 'import init');
    assert.equal(complete('kelpie --j'), '--json');
    assert.equal(complete('kelpie status ""'), 'web worker.eu');
    assert.equal(complete('kelpie restart web w'), 'web worker.eu');
    assert.equal(complete('kelpie logs -f ""'), 'web worker.eu', 'in logs, -f is --follow');
    assert.equal(complete('kelpie signal web ""'), 'HUP INT QUIT KILL USR1 USR2 TERM CONT STOP WINCH ALRM');
    assert.equal(complete('kelpie signal web TERM ""'), '');
    assert.equal(complete('kelpie import --format p'), 'procfile pm2 process-compose');
    assert.equal(complete('kelpie completion ""'), 'bash zsh fish');
    assert.equal(complete('kelpie status -'), '--lines -n --file -f --home --cap --remote -r --json --no-color --help -h');
    assert.equal(complete('kelpie trigger ""'), 'web worker.eu');
    assert.equal(complete('kelpie up ""'), '');
    assert.equal(complete('kelpie -f app.toml --home .h stop ""'), 'web worker.eu');
    const calls = readFileSync(join(dir, 'calls.log'), 'utf8').split('\n');
    assert.ok(calls.includes('status --json'));
    assert.ok(calls.includes('-f app.toml --home .h status --json'), 'the daemon is found as kelpie would find it');
    // No daemon, no kelpie on PATH: no names, no noise.
    const none = spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(kelpie status ""); COMP_CWORD=2; _kelpie; echo "[\${COMPREPLY[*]}]"`], { cwd: dir, env: { ...process.env, PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    assert.equal(none.stdout, '[]\n');
    assert.equal(none.stderr, '');
  });
});

test('completion zsh: the same answers through compadd and _describe', { skip: has('zsh') || process.env.CI ? false : 'zsh is not installed (CI installs it)' }, async () => {
  await withDir({}, async (dir) => {
    const bin = fakeKelpie(dir);
    const file = await script('zsh', dir);
    assert.equal(spawnSync('zsh', ['-n', file]).status, 0);
    const complete = (words: string): string => {
      const r = spawnSync('zsh', ['-c', `
compdef() { :; }
compadd() { while [[ $# -gt 0 && $1 != -- ]]; do shift; done; shift; print -r -- "$*" }
_describe() { print -r -- "\${(j: :)\${(@)\${(P)4}%%:*}}" }
_files() { print '<files>' }
_directories() { print '<dirs>' }
_command_names() { print '<commands>' }
source ${file}
words=(${words}); CURRENT=\${#words}; _kelpie`], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    assert.match(complete('kelpie ""'), /^up down status .* import init doctor completion$/);
    assert.equal(complete('kelpie status ""'), 'web worker.eu');
    assert.equal(complete('kelpie logs -f ""'), 'web worker.eu');
    assert.equal(complete('kelpie import --format ""'), 'procfile pm2 compose process-compose');
    assert.equal(complete('kelpie import ""'), '<files>');
    assert.equal(complete('kelpie --home ""'), '<dirs>');
  });
});

test('completion fish: the same answers through complete -C', { skip: has('fish') || process.env.CI ? false : 'fish is not installed (CI installs it)' }, async () => {
  await withDir({}, async (dir) => {
    const bin = fakeKelpie(dir);
    const file = await script('fish', dir);
    const complete = (line: string): string => {
      const r = spawnSync('fish', ['-c', `source ${file}; complete -C '${line}'`], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]).join(' ');
    };
    assert.equal(complete('kelpie sta'), 'start status');
    assert.equal(complete('kelpie status '), 'web worker.eu');
    assert.equal(complete('kelpie logs -f '), 'web worker.eu');
    assert.equal(complete('kelpie signal web '), 'ALRM CONT HUP INT KILL QUIT STOP TERM USR1 USR2 WINCH');
    assert.equal(complete('kelpie import --format p'), 'pm2 process-compose procfile');
    assert.equal(complete('kelpie completion '), 'bash fish zsh');
  });
});

test('completion bash against a running daemon: service names come from kelpie status --json', async () => {
  const p = new Project(`
[services.alpha]
command = ${runFixture('forever')}

[services."beta.eu"]
command = ${runFixture('forever')}
`);
  try {
    await p.up();
    const bin = join(p.dir, 'shim');
    mkdirSync(bin);
    writeFileSync(join(bin, 'kelpie'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/kelpie')}" "$@"\n`);
    chmodSync(join(bin, 'kelpie'), 0o755);
    const file = await script('bash', p.dir);
    const r = spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(kelpie restart ""); COMP_CWORD=2; _kelpie; echo "\${COMPREPLY[*]}"`], {
      cwd: join(p.dir),
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KELPIE_TEST_MARK: p.mark },
      encoding: 'utf8',
    });
    assert.equal(r.stdout.trim(), 'alpha beta.eu', r.stderr);
    const elsewhere = spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(kelpie --home ${p.home} stop b); COMP_CWORD=4; _kelpie; echo "\${COMPREPLY[*]}"`], {
      cwd: dirname(p.dir),
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    assert.equal(elsewhere.stdout.trim(), 'beta.eu', elsewhere.stderr);
  } finally {
    await p.cleanup();
  }
});

test('kelpie import (built CLI)', async () => {
  await withDir({ Procfile: 'web: ./web\n' }, async (dir) => {
    const r = await run(process.execPath, [join(ROOT, 'bin/kelpie'), 'import', 'Procfile'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[services\.web\]\ncommand = "\.\/web"/);
  });
});

test('kelpie init (built CLI): the #:schema path is computed from dist/', async () => {
  await withDir({}, async (dir) => {
    const r = await run(process.execPath, [join(ROOT, 'bin/kelpie'), 'init'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const first = readFileSync(join(dir, 'kelpie.toml'), 'utf8').split('\n')[0]!;
    // A relative path when the file and the package share a tree, else a file: URL.
    const ref = first.slice('#:schema '.length);
    assert.equal(ref.startsWith('file:') ? fileURLToPath(ref) : resolve(dir, ref), join(ROOT, 'schema/kelpie.schema.json'));
    assert.equal((await run(process.execPath, [join(ROOT, 'bin/kelpie'), 'check'], { cwd: dir })).code, 0);
  });
});

test('kelpie completion bash (built CLI)', async () => {
  const r = spawnSync('bash', ['-c', `source <("${process.execPath}" "${join(ROOT, 'bin/kelpie')}" completion bash); COMP_WORDS=(kelpie sta); COMP_CWORD=1; _kelpie; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'status start', r.stderr);
});

test('kelpie doctor (built CLI)', async () => {
  await withDir({}, async (dir) => {
    const r = await run(process.execPath, [join(ROOT, 'bin/kelpie'), 'doctor', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((JSON.parse(r.stdout) as { ok: boolean }).ok, true);
  });
});
