// The four importers on real-world-looking files (test/fixtures/import/): the exact kelpie.toml
// and warnings (snapshots in test/fixtures/import/expected/), what the result means once
// kelpie's own loader has read it, and the warnings that name what was not carried over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Config, ServiceSpec } from '../../src/config/index.js';
import { convert, convertPm2, detectFormat, loadJsModule, type Format, type ImportResult } from '../../src/import/index.js';
import { FIXTURES, fixture, loads, snapshot } from './helpers.js';

/** Every sample, its format, and the files its result names (env files) so it can load. */
const SAMPLES: ReadonlyArray<{ file: string; format: Format; files?: Record<string, string> }> = [
  { file: 'Procfile', format: 'procfile' },
  { file: 'Procfile.dev', format: 'procfile' },
  { file: 'Procfile.python', format: 'procfile' },
  { file: 'ecosystem.config.js', format: 'pm2' },
  { file: 'ecosystem.config.mjs', format: 'pm2' },
  { file: 'processes.json', format: 'pm2' },
  { file: 'ecosystem.yml', format: 'pm2' },
  { file: 'docker-compose.yml', format: 'compose', files: { '.env': 'SECRET_KEY_BASE=dev\n', '.env.local': '' } },
  { file: 'compose.yaml', format: 'compose' },
  { file: 'process-compose.yaml', format: 'process-compose' },
  { file: 'process-compose.simple.yml', format: 'process-compose' },
];

async function importSample(file: string, format: Format): Promise<ImportResult> {
  if (/\.(c|m)?js$/.test(file)) {
    const r = convertPm2(await loadJsModule(join(FIXTURES, file)), { source: file });
    // __dirname in the module is this checkout's path: keep the snapshot independent of it.
    return { ...r, toml: r.toml.split(FIXTURES).join('<fixtures>') };
  }
  return convert(format, fixture(file), { source: file });
}

const results = new Map<string, ImportResult>();
async function sample(file: string): Promise<ImportResult> {
  const known = results.get(file);
  if (known) return known;
  const s = SAMPLES.find((x) => x.file === file)!;
  const r = await importSample(s.file, s.format);
  results.set(file, r);
  return r;
}

async function config(file: string): Promise<Config> {
  const s = SAMPLES.find((x) => x.file === file)!;
  const r = await sample(file);
  return loads(r.toml.split('<fixtures>').join(FIXTURES), s.files);
}

const svc = (c: Config, name: string): ServiceSpec => {
  const s = c.services[name];
  assert.ok(s, `no service ${name}; have ${Object.keys(c.services).join(', ')}`);
  return s;
};

/** The warning about `key`, failing unless there is exactly one. */
function warning(r: ImportResult, key: string): string {
  const hits = r.warnings.filter((w) => w.startsWith(`${key}: `) || w.startsWith(`${key} (`));
  assert.equal(hits.length, 1, `expected one warning for ${key}, got:\n${r.warnings.join('\n')}`);
  return hits[0]!;
}

for (const s of SAMPLES) {
  test(`${s.file}: the format is detected, the output matches its snapshot and loads with loadConfig`, async () => {
    assert.equal(detectFormat(s.file, fixture(s.file)), s.format);
    const r = await sample(s.file);
    snapshot(`${s.file}.toml`, r.toml);
    snapshot(`${s.file}.warnings`, r.warnings.map((w) => `${w}\n`).join(''));
    await config(s.file);
  });
}

test('Procfile: string commands, the release phase as a manual oneshot, foreman\'s PORT', async () => {
  const heroku = await config('Procfile');
  assert.deepEqual(svc(heroku, 'web').command, ['/bin/sh', '-c', 'bundle exec puma -C config/puma.rb']);
  assert.equal(svc(heroku, 'release').kind, 'oneshot');
  assert.equal(svc(heroku, 'release').autostart, false);
  assert.match(warning(await sample('Procfile'), 'line 3'), /release phase runs once per deploy/);

  const dev = await config('Procfile.dev');
  assert.deepEqual(Object.keys(dev.services), ['web', 'js', 'css', 'worker']);
  assert.equal(svc(dev, 'web').env['PORT'], '5000');
  assert.equal(svc(dev, 'js').env['PORT'], undefined, 'PORT only where the command uses it');
  assert.deepEqual((await sample('Procfile.dev')).warnings, []);

  const py = await sample('Procfile.python');
  assert.match(warning(py, 'line 5'), /not a "name: command" line/);
  assert.match(warning(py, 'line 6'), /"web" is already defined on line 2/);
  const pyc = await config('Procfile.python');
  assert.equal(svc(pyc, 'web').env['PORT'], '5000', '${PORT:-8000} uses PORT too');
  assert.deepEqual(Object.keys(pyc.services), ['web', 'celery-worker', 'beat']);
});

test('pm2 (JavaScript, CommonJS in a "type": "module" package): interpreter, restarts, backoff, cron → timer, warnings', async () => {
  const c = await config('ecosystem.config.js');
  const r = await sample('ecosystem.config.js');
  const api = svc(c, 'api');
  assert.deepEqual(api.command, ['node', '--max-old-space-size=512', './dist/server.js']);
  assert.equal(api.cwd, FIXTURES, 'cwd: __dirname, evaluated by node');
  assert.deepEqual({ ...api.env }, { NODE_ENV: 'development', PORT: '3000', LOG_LEVEL: 'debug' });
  assert.equal(api.restart, 'always');
  assert.equal(api.stop.timeout, 5000);
  assert.match(warning(r, 'apps[0].exec_mode'), /cluster mode is not carried over/);
  assert.match(warning(r, 'apps[0].instances'), /"max" instances/);
  assert.match(warning(r, 'apps[0].env_production'), /--env production/);
  assert.match(warning(r, 'apps[0].wait_ready'), /process\.send\('ready'\)/);
  assert.match(warning(r, 'apps[0].max_memory_restart'), /not carried over/);
  for (const k of ['error_file', 'out_file', 'merge_logs', 'time']) assert.match(warning(r, `apps[0].${k}`), /kelpie captures stdout and stderr/);
  assert.match(warning(r, 'deploy'), /deploy/);

  const worker = svc(c, 'worker');
  assert.deepEqual(worker.command, ['python3', 'worker.py', '--queue', 'default', '--concurrency', '4']);
  assert.equal(worker.cwd, join(c.file, '..', 'services/worker'));
  assert.deepEqual({ ...worker.startLimit }, { burst: 11, interval: 57_000 });
  assert.deepEqual({ ...worker.backoff }, { initial: 100, max: 15_000, resetAfter: 5000 });
  assert.match(warning(r, 'apps[1].max_restarts'), /approximation of 10 unstable restart/);

  const report = svc(c, 'nightly-report');
  assert.equal(report.kind, 'timer');
  assert.deepEqual(report.command, ['bash', 'scripts/report.sh']);
  assert.match(warning(r, 'apps[2].name'), /"nightly report" is not a valid kelpie service name; it is "nightly-report"/);

  const frontend = svc(c, 'frontend');
  assert.deepEqual(frontend.command, ['npm', 'run', 'start']);
  assert.deepEqual({ ...frontend.backoff }, { initial: 3000, max: 3000, resetAfter: 60_000 });
  assert.match(warning(r, 'apps[3].watch'), /does not restart services when files change/);
});

test('pm2 (ESM, JSON, YAML): stop_exit_codes, uid, shell command lines, names from the script, no warnings for defaults', async () => {
  const esm = await config('ecosystem.config.mjs');
  assert.deepEqual(svc(esm, 'gateway').command, ['node', 'gateway/index.mjs']);
  assert.deepEqual(svc(esm, 'billing').noRestartCodes, [0]);
  assert.equal(svc(esm, 'billing').stop.timeout, 3000);

  const json = await config('processes.json');
  const jr = await sample('processes.json');
  assert.equal(svc(json, 'bot').env['SHARDS'], '2', 'numbers become strings');
  assert.equal(svc(json, 'bot').backoff.resetAfter, 10_000, 'min_uptime');
  assert.deepEqual(svc(json, 'scheduler').command, ['/usr/local/bin/scheduler', '--config', '/etc/scheduler.yml']);
  assert.equal(svc(json, 'scheduler').privileges.user, 'svc-scheduler');
  assert.deepEqual(svc(json, 'dashboard').command, ['/bin/sh', '-c', 'python3 -m http.server 9000 --directory public']);
  assert.ok(!jr.warnings.some((w) => w.startsWith('apps[0].watch')), '"watch": false asks for nothing');
  assert.match(warning(jr, 'apps[1].treekill'), /whole process group/);

  const yml = await config('ecosystem.yml');
  assert.deepEqual(svc(yml, 'queue').command, ['ts-node', 'src/queue.ts']);
  assert.deepEqual(svc(yml, 'www').command, ['bin/www'], 'named after its script; run directly');
  assert.equal(svc(yml, 'www').restart, 'never');
  assert.deepEqual(Object.keys(yml.services), ['queue', 'www']);
});

test('docker compose: commands, healthchecks → ready, depends_on conditions, restart, bind-mounted working_dir', async () => {
  const c = await config('docker-compose.yml');
  const r = await sample('docker-compose.yml');

  const db = svc(c, 'db');
  assert.equal(db.command[0], '/bin/sh', 'image-only: a placeholder command');
  assert.match(db.command[2]!, /exit 125$/);
  assert.match(warning(r, 'services.db.image'), /no command: compose ran the image postgres:16-alpine/);
  assert.match(warning(r, 'services.db.ports'), /nothing is published/);
  assert.match(warning(r, 'services.db.volumes'), /not carried over/);
  assert.equal(db.restart, 'always', 'unless-stopped');
  assert.equal(db.ready.kind, 'probe');
  assert.deepEqual(db.ready.kind === 'probe' && db.ready.probe, {
    target: { type: 'exec', argv: ['/bin/sh', '-c', 'pg_isready -U app -d app_development'] },
    interval: 5000,
    timeout: 5000,
    initialDelay: 10_000,
    successThreshold: 1,
    failureThreshold: 10,
  });
  assert.equal(db.readyTimeout, 65_000, 'start_period + retries × interval + timeout');

  const redis = svc(c, 'redis');
  assert.deepEqual(redis.command, ['redis-server', '--appendonly', 'yes', '--save', '']);
  assert.equal(redis.ready.kind === 'probe' && redis.ready.probe.target.type, 'exec');
  assert.equal(redis.stop.signal, 'SIGINT');
  assert.equal(redis.restart, 'never', 'compose does not restart by default');

  const web = svc(c, 'web');
  assert.deepEqual(web.command, ['bash', '-c', "rm -f tmp/pids/server.pid && bundle exec rails s -p 3000 -b '0.0.0.0'"]);
  assert.equal(web.cwd, c.file.replace(/\/kelpie\.toml$/, ''), 'working_dir /app is the bind mount of .');
  assert.deepEqual(web.requires.map((x) => [x.service, x.condition]), [['db', 'ready'], ['redis', 'started']]);
  assert.equal(web.env['RAILS_ENV'], 'development');
  assert.equal(web.env['SECRET_KEY_BASE'], 'dev', 'env_file .env');
  assert.equal('EDITOR' in web.env, false, 'a bare name passes the environment through, as kelpie does anyway');
  assert.equal(web.restart, 'on-failure');
  assert.equal(web.stop.timeout, 30_000);
  assert.match(warning(r, 'services.web.environment[1]'), /refers to the compose service "db" by host name/);
  assert.match(warning(r, 'services.web.restart'), /at most 5 retries/);
  assert.match(warning(r, 'services.web.tty'), /no terminal/);
  assert.match(warning(r, 'services.web.build'), /runs on this host/);

  const sidekiq = svc(c, 'sidekiq');
  assert.deepEqual(sidekiq.requires.map((x) => [x.service, x.condition]), [['db', 'started'], ['redis', 'started']]);
  assert.equal(sidekiq.env['SIDEKIQ_CONCURRENCY'], '5');
  assert.match(warning(r, 'services.sidekiq.env_file[1].required'), /".env.local" to exist/);
  assert.match(warning(r, 'volumes'), /named volumes/);
});

test('docker compose: anchors and merge keys, entrypoint + command, oneshot for service_completed_successfully, http probe from curl', async () => {
  const c = await config('compose.yaml');
  const r = await sample('compose.yaml');

  const migrate = svc(c, 'migrate');
  assert.equal(migrate.kind, 'oneshot');
  assert.deepEqual(migrate.command, ['npm', 'run', 'db:migrate']);
  assert.equal(migrate.cwd, join(c.file, '..', 'apps/api'), 'through the bind mount . → /workspace');
  assert.deepEqual({ ...migrate.env }, { NODE_ENV: 'development', LOG_FORMAT: 'pretty' });

  const api = svc(c, 'api');
  assert.deepEqual(api.command, ['node', '--enable-source-maps', 'dist/main.js', '--port', '4000']);
  assert.deepEqual(api.requires.map((x) => [x.service, x.condition]), [['migrate', 'completed'], ['postgres', 'ready']]);
  assert.deepEqual(api.wants, ['mailhog'], 'required: false');
  assert.deepEqual(api.after, ['mailhog']);
  assert.equal(api.onDependencyRestart, 'restart');
  assert.deepEqual(api.ready.kind === 'probe' && api.ready.probe.target, { type: 'http', url: 'http://localhost:4000/healthz', statusMin: 200, statusMax: 399 });
  assert.equal(api.stop.signal, 'SIGQUIT');
  assert.equal(api.stop.timeout, 90_000);
  assert.equal(api.env['API_SECRET'], '${NOT_INTERPOLATED}', '$$ is a literal $');
  assert.equal(api.env['PUBLIC_URL'], '${PUBLIC_URL:-http://localhost:4000}');
  assert.match(warning(r, 'services.api.environment.PUBLIC_URL'), /compose substitutes/);
  assert.match(warning(r, 'services.api.environment.DATABASE_HOST'), /"postgres" by host name/);
  assert.match(warning(r, 'services.api.ulimits.nofile'), /20000 \(the soft limit\)/);
  assert.match(warning(r, 'services.api.deploy'), /replicas, resources/);

  const worker = svc(c, 'worker');
  assert.deepEqual(worker.command, ['sh', '-c', 'node dist/worker.js --queue $QUEUE_NAME']);
  assert.equal(worker.autostart, false, 'profiles');
  assert.match(warning(r, 'services.worker.profiles'), /--profile jobs/);
  assert.equal(worker.cwd, join(c.file, '..', 'apps/worker'));

  assert.match(warning(r, 'services.postgres.networks'), /host network/);
  assert.match(warning(r, 'services.mailhog.logging'), /kelpie captures stdout/);
  assert.match(warning(r, 'networks'), /host network/);
  assert.ok(!r.warnings.some((w) => /\.init:|x-node/.test(w)), 'init and x- extension fields ask for nothing');
});

test('process-compose: probes, ready_log_line, availability, shutdown, conditions, global environment', async () => {
  const c = await config('process-compose.yaml');
  const r = await sample('process-compose.yaml');

  const pg = svc(c, 'postgres');
  assert.deepEqual(pg.command, ['/bin/sh', '-c', 'postgres -D ./data/pg -k /tmp -p 5433']);
  assert.deepEqual({ ...pg.env }, { APP_ENV: 'dev', TZ: 'UTC' });
  assert.equal(pg.stop.signal, 'SIGINT', 'signal 2');
  assert.equal(pg.stop.timeout, 30_000);
  assert.equal(pg.restart, 'always');
  assert.equal(pg.ready.kind === 'probe' && pg.ready.probe.failureThreshold, 20);
  assert.equal(pg.readyTimeout, 43_000);

  const migrate = svc(c, 'migrate');
  assert.equal(migrate.kind, 'oneshot');
  assert.deepEqual(migrate.command, ['bash', '-c', 'source .venv/bin/activate && alembic upgrade head'], '`source` needs bash');
  assert.equal(migrate.cwd, join(c.file, '..', 'backend'));

  const api = svc(c, 'api');
  assert.deepEqual(api.requires.map((x) => [x.service, x.condition]), [['migrate', 'completed']]);
  assert.deepEqual(api.ready.kind === 'probe' && api.ready.probe.target, { type: 'http', url: 'http://127.0.0.1:8000/health', statusMin: 200, statusMax: 399 });
  assert.equal(api.liveness?.interval, 30_000);
  assert.deepEqual({ ...api.backoff }, { initial: 2000, max: 2000, resetAfter: 60_000 });
  assert.equal(api.restart, 'on-failure');
  assert.equal(api.env['HOME_DIR'], '$HOME/app');
  assert.match(warning(r, 'processes.api.environment[1]'), /expands \$VARIABLES/);
  assert.match(warning(r, 'processes.api.availability.max_restarts'), /5 restart\(s\) in all/);

  const fe = svc(c, 'frontend');
  assert.deepEqual(fe.ready, { kind: 'log', pattern: 'ready in' });
  assert.equal(fe.restart, 'never');
  assert.match(warning(r, 'processes.frontend.availability.restart'), /exit_on_failure/);

  const e2e = svc(c, 'e2e');
  assert.equal(e2e.autostart, false, 'disabled: true');
  assert.deepEqual(e2e.requires.map((x) => [x.service, x.condition]), [['frontend', 'ready']], 'process_log_ready');
  assert.match(warning(r, 'processes.e2e.availability.exit_on_end'), /does not stop everything/);

  assert.match(warning(r, 'processes.nginx.is_daemon'), /foreground/);
  assert.match(warning(r, 'processes.nginx.shutdown.command'), /stop\.signal/);
  assert.match(warning(r, 'processes.nginx.namespace'), /no namespaces/);
  assert.ok(!r.warnings.some((w) => w.startsWith('processes.nginx.replicas')), 'replicas: 1 asks for nothing');
  assert.match(warning(r, 'log_location'), /rotated log/);

  const simple = await config('process-compose.simple.yml');
  assert.deepEqual(svc(simple, 'tail').requires.map((x) => [x.service, x.condition]), [['hello', 'started']]);
  assert.equal(svc(simple, 'hello').restart, 'never');
});
