// pm2 ecosystem file → kelpie.toml. The input is JSON or YAML text; a JavaScript ecosystem
// file (module.exports = { apps: [...] }) is first turned into JSON by loadJsModule
// (load-js.ts), in a child node process.
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  Draft,
  ImportError,
  duration,
  envTable,
  envValue,
  fixedBackoff,
  isObject,
  pm2Duration,
  shellWords,
  show,
  startLimit,
  unset,
  type ImportOptions,
  type ImportResult,
} from './common.js';
import { Table } from './toml.js';

/** Interpreters pm2 picks by the script's extension. */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.js': 'node',
  '.cjs': 'node',
  '.mjs': 'node',
  '.ts': 'ts-node',
  '.tsx': 'ts-node',
  '.py': 'python3',
  '.sh': 'bash',
  '.rb': 'ruby',
  '.php': 'php',
  '.pl': 'perl',
  '.coffee': 'coffee',
  '.ls': 'lsc',
};

const LOG_KEYS = ['log_file', 'log', 'out_file', 'output', 'error_file', 'err_file', 'error', 'log_date_format', 'merge_logs', 'combine_logs', 'time', 'log_type', 'pid_file', 'pid'];

/** Why a known pm2 key is not carried over. */
const NOT_CARRIED: Readonly<Record<string, string>> = {
  watch: 'kelpie does not restart services when files change',
  ignore_watch: 'kelpie does not watch files',
  watch_delay: 'kelpie does not watch files',
  watch_options: 'kelpie does not watch files',
  max_memory_restart: 'kelpie has no memory limit restart; a liveness probe or rlimits.as may do',
  namespace: 'kelpie has no namespaces; services are grouped by targets (kind = "target")',
  source_map_support: 'a node option; add --enable-source-maps to the command if needed',
  instance_var: 'kelpie runs one process per service',
  increment_var: 'kelpie runs one process per service',
  vizion: 'kelpie keeps no version metadata',
  force: 'kelpie starts each service once',
  shutdown_with_message: 'kelpie stops services with stop.signal, not an IPC message',
  pmx: 'pm2 monitoring', automation: 'pm2 monitoring', disable_trace: 'pm2 monitoring', trace: 'pm2 monitoring',
  post_update: 'a pm2 deploy hook',
  filter_env: 'kelpie passes its environment, env_file and env (or only the last two with clear_env = true)',
  append_env_to_name: 'kelpie service names are fixed',
  kill_retry_time: 'kelpie sends stop.signal once, then SIGKILL after stop.timeout',
  port: 'pm2 serve only; set env.PORT if the app reads it',
  listen_timeout: 'only meaningful with wait_ready; kelpie\'s equivalent is ready_timeout with a ready mechanism',
};

/** Converts a pm2 ecosystem file given as JSON or YAML text. */
export function convertPm2(text: string, opts: ImportOptions = {}): ImportResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    try {
      data = parseYaml(text, { merge: true });
    } catch (e) {
      throw new ImportError(`not JSON or YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return convertPm2Data(data, opts);
}

/** Converts an ecosystem file's value: { apps: [...] }, a list of apps, or one app. */
export function convertPm2Data(data: unknown, opts: ImportOptions = {}): ImportResult {
  const d = new Draft('pm2', opts);
  let apps: unknown[];
  let prefix = 'apps';
  if (Array.isArray(data)) {
    apps = data;
    prefix = '';
  } else if (isObject(data) && Array.isArray(data['apps'])) {
    apps = data['apps'];
    for (const k of Object.keys(data)) {
      if (k === 'apps') continue;
      d.warn(k, k === 'deploy' ? 'pm2 deploy is not carried over; kelpie does not deploy code' : 'not carried over');
    }
  } else if (isObject(data) && isObject(data['apps'])) {
    apps = [data['apps']];
  } else if (isObject(data) && 'script' in data) {
    apps = [data];
    prefix = '';
  } else {
    throw new ImportError('no "apps" list found: this does not look like a pm2 ecosystem file');
  }
  // Names first: every valid name is kept before any invalid one is made valid.
  const sourceName = (app: Record<string, unknown>): string => (typeof app['name'] === 'string' && app['name'] !== '' ? app['name'] : defaultName(app['script']));
  const objects = apps.map((app, i) => ({ app, path: `${prefix}[${i}]` }));
  const valid = objects.filter((o): o is { app: Record<string, unknown>; path: string } => isObject(o.app));
  const names = d.assign(valid.map((o) => ({ source: sourceName(o.app), path: `${o.path}.name` })));
  for (const o of objects) if (!isObject(o.app)) d.warn(o.path, 'not an app object, skipped');
  valid.forEach((o, i) => convertApp(d, o.app, o.path, names[i]!));
  return d.result();
}

function defaultName(script: unknown): string {
  if (typeof script !== 'string' || script === '') return 'app';
  const first = script.trim().split(/\s+/)[0] ?? 'app';
  return basename(first, extname(first)) || 'app';
}

function list(v: unknown): string[] | null {
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (typeof v === 'string') return shellWords(v);
  if (typeof v === 'number') return [String(v)];
  return null;
}

function convertApp(d: Draft, app: Record<string, unknown>, path: string, name: string): void {
  const at = (k: string): string => `${path}.${k} (${name})`;
  const done = new Set<string>(['name']);
  const use = (k: string): unknown => {
    done.add(k);
    return app[k];
  };
  const s = d.add(name);
  const t = s.t;
  const cronRaw = app['cron_restart'];
  const timer = app['autorestart'] === false && typeof cronRaw === 'string' && cronRaw.trim() !== '';
  if (timer) t.set('kind', 'timer');

  // command: interpreter + its args + script + args
  const script = use('script');
  if (typeof script !== 'string' || script.trim() === '') {
    d.warn(at('script'), 'missing: pm2 needs a script; the service runs `false` until you set its command');
    t.set('command', ['false']);
  } else {
    const args = use('args') === undefined ? [] : list(app['args']);
    if (args === null) d.warn(at('args'), `cannot read ${show(app['args'])}; left out`);
    const interp = (use('interpreter') ?? use('exec_interpreter')) as unknown;
    const iargsRaw = use('interpreter_args') ?? use('node_args');
    const iargs = iargsRaw === undefined ? [] : list(iargsRaw);
    if (iargs === null) d.warn(at('interpreter_args'), `cannot read ${show(iargsRaw)}; left out`);
    const ext = extname(script.trim()).toLowerCase();
    let interpreter: string | undefined;
    if (typeof interp === 'string' && interp !== '') interpreter = interp === 'none' ? undefined : interp;
    else interpreter = BY_EXTENSION[ext];
    if (interp === undefined && (ext === '.ts' || ext === '.tsx')) {
      d.warn(at('script'), 'pm2 runs TypeScript with ts-node (or bun); the command uses ts-node: check it is installed');
    }
    if (interpreter === undefined && (args ?? []).length === 0 && /\s/.test(script.trim())) {
      // pm2 start "npm run dev": a whole command line
      t.set('command', script.trim());
      if ((iargs ?? []).length > 0) d.warn(at('interpreter_args'), 'no interpreter runs this command; left out');
    } else if (interpreter === undefined) {
      t.set('command', [script, ...(args ?? [])]);
      if ((iargs ?? []).length > 0) d.warn(at('interpreter_args'), 'no interpreter runs this script; left out');
    } else {
      t.set('command', [interpreter, ...(iargs ?? []), script, ...(args ?? [])]);
    }
  }

  const cwd = use('cwd');
  if (typeof cwd === 'string' && cwd !== '') t.set('cwd', d.path(cwd));
  else t.set('cwd', d.defaultCwd());

  const env = use('env');
  if (env !== undefined) {
    if (!isObject(env)) d.warn(at('env'), `not a table of variables: ${show(env)}; left out`);
    else {
      const pairs: Array<[string, string]> = [];
      for (const [k, v] of Object.entries(env)) {
        const value = envValue(v);
        if (value === null) d.warn(at(`env.${k}`), `not a string, number or boolean: ${show(v)}; left out`);
        else pairs.push([k, value]);
      }
      t.set('env', envTable(pairs));
    }
  }
  for (const k of Object.keys(app)) {
    if (/^env_./.test(k)) {
      done.add(k);
      d.warn(at(k), `pm2's --env ${k.slice(4)} variables are not carried over; copy what you need into env (or an env_file)`);
    }
  }

  // restart policy
  const autorestart = use('autorestart');
  const cron = use('cron_restart');
  if (timer && typeof cron === 'string') {
    // The pm2 idiom for a scheduled job: run it at each cron time, do not keep it up.
    t.set('schedule', cron.trim());
    s.comments.push('pm2 cron_restart with autorestart: false runs the script on a schedule: a kelpie timer');
  } else {
    if (typeof cron === 'string' && cron.trim() !== '') d.warn(at('cron_restart'), `kelpie does not restart running services on a schedule (${show(cron)}); a timer service running \`kelpie restart ${name}\` would`);
    t.set('restart', autorestart === false ? 'never' : 'always');
  }
  const autostart = use('autostart');
  if (autostart === false) t.set('autostart', false);
  const stopCodes = use('stop_exit_codes');
  if (stopCodes !== undefined) {
    const codes = (Array.isArray(stopCodes) ? stopCodes : [stopCodes]).map(Number);
    if (codes.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) t.set('no_restart_codes', codes);
    else d.warn(at('stop_exit_codes'), `not exit codes 0-255: ${show(stopCodes)}; left out`);
  }

  const minUptimeRaw = use('min_uptime');
  const minUptime = minUptimeRaw === undefined ? null : pm2Duration(minUptimeRaw);
  if (minUptimeRaw !== undefined && minUptime === null) d.warn(at('min_uptime'), `cannot read ${show(minUptimeRaw)}; left out`);
  const delayRaw = use('restart_delay');
  const delay = delayRaw === undefined ? null : pm2Duration(delayRaw);
  if (delayRaw !== undefined && delay === null) d.warn(at('restart_delay'), `cannot read ${show(delayRaw)}; left out`);
  const expRaw = use('exp_backoff_restart_delay');
  const exp = expRaw === undefined ? null : pm2Duration(expRaw);
  if (expRaw !== undefined && exp === null) d.warn(at('exp_backoff_restart_delay'), `cannot read ${show(expRaw)}; left out`);
  let backoff: Table | undefined;
  if (exp !== null) {
    // pm2: delay × 1.5 per restart up to 15 s, reset after 30 s up; kelpie doubles.
    const initial = Math.max(1, exp);
    backoff = new Table([
      ['initial', duration(initial)],
      ['max', duration(Math.max(initial, 15_000))],
      ['reset_after', duration(minUptime ?? 30_000)],
    ]);
    if (delay !== null) d.warn(at('restart_delay'), 'exp_backoff_restart_delay is used instead, as pm2 does');
  } else if (delay !== null) {
    backoff = fixedBackoff(delay);
    if (minUptime !== null) backoff.set('reset_after', duration(minUptime));
  } else if (minUptime !== null) {
    backoff = new Table([['reset_after', duration(minUptime)]]);
  }
  const maxRestartsRaw = use('max_restarts');
  if (maxRestartsRaw !== undefined && !timer) {
    const n = Number(maxRestartsRaw);
    if (!Number.isFinite(n) || n < 0) d.warn(at('max_restarts'), `cannot read ${show(maxRestartsRaw)}; left out`);
    else {
      t.set('start_limit', startLimit(n, (minUptime ?? 1000) + (exp ?? delay ?? 0)));
      d.warn(at('max_restarts'), `pm2 counts restarts that lived less than min_uptime; kelpie counts starts within an interval: start_limit is an approximation of ${n} unstable restart(s)`);
    }
  }
  if (!timer) t.set('backoff', backoff);

  const kill = use('kill_timeout');
  if (kill !== undefined) {
    const ms = pm2Duration(kill);
    if (ms === null) d.warn(at('kill_timeout'), `cannot read ${show(kill)}; left out`);
    else t.set('stop', new Table([['timeout', duration(ms, 0)]]));
  }
  const treekill = use('treekill');
  if (treekill === false) d.warn(at('treekill'), 'kelpie always signals the whole process group of a service');

  const uid = use('uid');
  if (typeof uid === 'string' || typeof uid === 'number') t.set('user', String(uid));
  const gid = use('gid');
  if (typeof gid === 'string' || typeof gid === 'number') t.set('group', String(gid));

  const instances = use('instances');
  const mode = use('exec_mode');
  const many = instances !== undefined && instances !== 1 && instances !== '1';
  if (many) d.warn(at('instances'), `${show(instances)} instances: kelpie runs one process per service; define more services (or let the app fork) for more`);
  if (typeof mode === 'string' && mode.startsWith('cluster')) d.warn(at('exec_mode'), 'cluster mode is not carried over: kelpie runs one process (fork mode); node\'s cluster module in the app can do the same');

  const waitReady = use('wait_ready');
  if (waitReady === true) {
    d.warn(at('wait_ready'), 'pm2 waits for process.send(\'ready\'); kelpie has no IPC channel: add a ready mechanism (ready = { http = … }, { tcp = PORT }, { log = … } or { notify = true })');
  }

  for (const k of LOG_KEYS) {
    if (!unset(app[k])) {
      done.add(k);
      d.warn(at(k), 'kelpie captures stdout and stderr itself into rotated, timestamped logs (`kelpie logs`); see log.max_size and log.keep');
    }
  }
  for (const [k, v] of Object.entries(app)) {
    if (done.has(k) || unset(v)) continue;
    d.warn(at(k), `not carried over${NOT_CARRIED[k] ? `: ${NOT_CARRIED[k]}` : ''}`);
  }
}
