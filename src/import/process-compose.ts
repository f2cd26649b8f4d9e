// process-compose YAML → kelpie.toml. Processes map almost one to one: command, working_dir,
// environment (the global list, then the process's own), depends_on conditions, readiness and
// liveness probes, ready_log_line, availability and shutdown.
import { parse as parseYaml } from 'yaml';
import {
  Draft,
  ImportError,
  duration,
  envTable,
  escapeRegex,
  fixedBackoff,
  isObject,
  show,
  signalName,
  startLimit,
  unset,
  type ImportOptions,
  type ImportResult,
} from './common.js';
import { Table, type Value } from './toml.js';

const TOP_WARN: Readonly<Record<string, string>> = {
  log_location: 'kelpie keeps one rotated log per service (`kelpie logs`)',
  log_level: 'not carried over',
  log_length: 'not carried over',
  log_configuration: 'kelpie\'s log lines are timestamped; see log.max_size and log.keep',
  vars: 'template variables ({{.VAR}}) are not expanded; write the values out',
  env_cmds: 'kelpie does not run commands to build the environment; use env_file',
  is_strict: 'kelpie always rejects unknown keys',
  disable_env_expansion: 'kelpie never expands $VARIABLES in env (commands are expanded by /bin/sh)',
  is_tui_disabled: 'kelpie has no TUI',
  extends: 'merge the files first, then import the result',
};

const PROCESS_WARN: Readonly<Record<string, string>> = {
  is_daemon: 'kelpie supervises foreground processes: run the program without daemonizing (most have a --foreground / --no-daemon flag)',
  launch_timeout_seconds: 'only for daemons; see is_daemon',
  namespace: 'kelpie has no namespaces; services are grouped by targets (kind = "target")',
  replicas: 'kelpie runs one process per service; define more services for more',
  log_location: 'kelpie keeps one rotated log per service (`kelpie logs`)',
  log_configuration: 'kelpie\'s log lines are timestamped; see log.max_size and log.keep',
  disable_ansi_colors: 'kelpie logs what the process writes',
  vars: 'template variables ({{.VAR}}) are not expanded; write the values out',
  is_foreground: 'kelpie services have no terminal',
  is_tty: 'kelpie services have no terminal',
  is_interactive: 'kelpie services have no terminal or stdin',
  is_elevated: 'run kelpie as root and set user instead',
  is_disabled: 'not carried over',
  extensions: 'not carried over',
  schedule: 'not carried over; a kelpie timer (kind = "timer", schedule = "cron") runs a command on a schedule',
  watch: 'kelpie does not restart services when files change',
};

const CONDITIONS: Readonly<Record<string, string>> = {
  process_started: 'started',
  process_healthy: 'ready',
  process_log_ready: 'ready',
  process_completed_successfully: 'completed',
  process_completed: 'completed',
};

/** Words that need bash rather than /bin/sh (process-compose runs commands with bash -c). */
const BASHISM = /(^|[\s;&|(])(source|shopt|declare|pushd|popd|function)\s|\[\[|<\(|>\(|\$'|\b[A-Za-z_]+=\(|\{[^{}\s]*,[^{}\s]*\}/;

/** Converts a process-compose file (YAML). */
export function convertProcessCompose(text: string, opts: ImportOptions = {}): ImportResult {
  let doc: unknown;
  try {
    doc = parseYaml(text, { merge: true });
  } catch (e) {
    throw new ImportError(`not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc) || !isObject(doc['processes'])) throw new ImportError('no "processes" mapping found: this does not look like a process-compose file');
  const d = new Draft('process-compose', opts);
  let shell: [string, string] | null = null;
  const globalEnv = envPairs(d, 'environment', doc['environment']);
  for (const k of Object.keys(doc)) {
    if (['processes', 'version', 'environment', 'shell', 'ordered_shutdown'].includes(k) || k.startsWith('x-')) continue;
    d.warn(k, TOP_WARN[k] ?? 'not carried over');
  }
  const sh = doc['shell'];
  if (isObject(sh) && typeof sh['shell_command'] === 'string') {
    shell = [sh['shell_command'], typeof sh['shell_argument'] === 'string' ? sh['shell_argument'] : '-c'];
    for (const k of Object.keys(sh)) if (k !== 'shell_command' && k !== 'shell_argument') d.warn(`shell.${k}`, 'not carried over');
  }
  const processes = doc['processes'];
  const sources = Object.keys(processes);
  d.assign(sources.map((src) => ({ source: src, path: `processes.${src}` })));
  const oneshots = new Set<string>();
  for (const src of sources) {
    const deps = (processes[src] as Record<string, unknown> | null)?.['depends_on'];
    if (isObject(deps)) {
      for (const [dep, v] of Object.entries(deps)) {
        const c = isObject(v) ? v['condition'] : undefined;
        if (c === 'process_completed_successfully' || c === 'process_completed') oneshots.add(dep);
      }
    }
  }
  for (const src of sources) {
    const p = processes[src];
    if (!isObject(p)) {
      d.warn(`processes.${src}`, 'not a mapping, skipped');
      continue;
    }
    convertProcess(d, src, p, { shell, globalEnv, oneshot: oneshots.has(src) });
  }
  return d.result();
}

function envPairs(d: Draft, path: string, v: unknown): Array<[string, string]> {
  if (v === undefined || v === null) return [];
  const out: Array<[string, string]> = [];
  const add = (k: string, value: string, at: string): void => {
    if (/\$[A-Za-z_{]/.test(value)) d.warn(at, `process-compose expands $VARIABLES in environment values; kelpie does not (the value is kept as written): ${show(value)}`);
    out.push([k, value]);
  };
  if (Array.isArray(v)) {
    for (const [i, item] of v.entries()) {
      const s = String(item);
      const eq = s.indexOf('=');
      if (eq <= 0) d.warn(`${path}[${i}]`, `not NAME=value: ${show(item)}; left out`);
      else add(s.slice(0, eq), s.slice(eq + 1), `${path}[${i}]`);
    }
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) add(k, String(x), `${path}.${k}`);
  } else d.warn(path, `cannot read ${show(v)}; left out`);
  return out;
}

interface Ctx {
  readonly shell: [string, string] | null;
  readonly globalEnv: ReadonlyArray<[string, string]>;
  readonly oneshot: boolean;
}

function convertProcess(d: Draft, src: string, p: Record<string, unknown>, ctx: Ctx): void {
  const base = `processes.${src}`;
  const at = (k: string): string => `${base}.${k}`;
  const name = d.lookup(src)!;
  const s = d.add(name);
  const t = s.t;
  const done = new Set<string>(['name']);
  const use = (k: string): unknown => {
    done.add(k);
    return p[k];
  };

  const description = use('description');
  if (typeof description === 'string' && description.trim() !== '') s.comments.push(...description.trim().split('\n'));
  if (ctx.oneshot) {
    t.set('kind', 'oneshot');
    s.comments.push('other processes wait for it to complete (process_completed…)');
  }

  // command
  const command = use('command');
  const entrypoint = use('entrypoint');
  if (Array.isArray(entrypoint) && entrypoint.length > 0) {
    const argv = entrypoint.map(String);
    t.set('command', typeof command === 'string' && command !== '' ? [...argv, command] : argv);
  } else if (typeof command === 'string' && command.trim() !== '') {
    const cmd = command.trim();
    if (ctx.shell) t.set('command', [ctx.shell[0], ctx.shell[1], cmd]);
    else if (BASHISM.test(cmd)) t.set('command', ['bash', '-c', cmd]);
    else t.set('command', cmd);
  } else {
    t.set('command', `echo "${name}: no command in the process-compose file" >&2; exit 125`);
    d.warn(at('command'), 'missing: the service gets a placeholder command that fails (exit 125, not restarted)');
  }

  const wd = use('working_dir');
  if (typeof wd === 'string' && wd !== '') t.set('cwd', d.path(wd));
  else t.set('cwd', d.defaultCwd());

  const env = [...ctx.globalEnv, ...envPairs(d, at('environment'), use('environment'))];
  t.set('env', envTable(env));

  const disabled = use('disabled');
  if (disabled === true) t.set('autostart', false);

  // availability
  const avail = use('availability');
  if (isObject(avail)) {
    const r = avail['restart'];
    const maxRestarts = Number(avail['max_restarts'] ?? 0);
    const backoffSeconds = avail['backoff_seconds'] === undefined ? 1 : Number(avail['backoff_seconds']);
    if (r === undefined || r === 'no' || r === false) t.set('restart', 'never');
    else if (r === 'always') t.set('restart', 'always');
    else if (r === 'on_failure' || r === 'on-failure') t.set('restart', 'on-failure');
    else if (r === 'exit_on_failure') {
      t.set('restart', 'never');
      d.warn(at('availability.restart'), 'exit_on_failure stops every process when this one fails; kelpie keeps the others running (restart = "never")');
    } else d.warn(at('availability.restart'), `unknown policy ${show(r)}; kelpie's default (on-failure) applies`);
    if (t.get('restart') !== 'never') {
      if (avail['backoff_seconds'] !== undefined) {
        if (Number.isFinite(backoffSeconds) && backoffSeconds >= 0) t.set('backoff', fixedBackoff(backoffSeconds * 1000));
        else d.warn(at('availability.backoff_seconds'), `cannot read ${show(avail['backoff_seconds'])}; left out`);
      }
      if (Number.isFinite(maxRestarts) && maxRestarts > 0) {
        t.set('start_limit', startLimit(maxRestarts, Math.max(1000, backoffSeconds * 1000)));
        d.warn(at('availability.max_restarts'), `process-compose stops after ${maxRestarts} restart(s) in all; kelpie counts starts within an interval: start_limit approximates it`);
      }
    }
    if (avail['exit_on_end'] === true) d.warn(at('availability.exit_on_end'), 'kelpie does not stop everything when one service ends');
    if (avail['exit_on_skipped'] === true) d.warn(at('availability.exit_on_skipped'), 'kelpie does not stop everything when one service is skipped');
    for (const k of Object.keys(avail)) {
      if (!['restart', 'max_restarts', 'backoff_seconds', 'exit_on_end', 'exit_on_skipped'].includes(k)) d.warn(at(`availability.${k}`), 'not carried over');
    }
  } else {
    if (avail !== undefined) d.warn(at('availability'), `cannot read ${show(avail)}; left out`);
    t.set('restart', 'never'); // process-compose's default: no restart
  }

  // depends_on
  const deps = use('depends_on');
  const requires: Value[] = [];
  if (isObject(deps)) {
    for (const [dep, v] of Object.entries(deps)) {
      const path = at(`depends_on.${dep}`);
      const n = d.lookup(dep);
      if (n === undefined) {
        d.warn(path, `no process ${JSON.stringify(dep)} in this file; left out`);
        continue;
      }
      const condRaw = isObject(v) ? (v['condition'] ?? 'process_started') : 'process_started';
      let condition = CONDITIONS[String(condRaw)];
      if (condition === undefined) {
        d.warn(`${path}.condition`, `unknown condition ${show(condRaw)}; "started" is used`);
        condition = 'started';
      }
      if (condRaw === 'process_completed') d.warn(`${path}.condition`, 'kelpie waits for a successful exit ("completed"); process_completed also accepted a failed one');
      requires.push(condition === 'ready' ? n : new Table([['service', n], ['condition', condition]]));
    }
  } else if (deps !== undefined) d.warn(at('depends_on'), `cannot read ${show(deps)}; left out`);
  if (requires.length > 0) t.set('requires', requires);

  // readiness
  const logLine = use('ready_log_line');
  const readiness = use('readiness_probe');
  if (typeof logLine === 'string' && logLine !== '') {
    t.set('ready', new Table([['log', escapeRegex(logLine)]]));
    if (readiness !== undefined) d.warn(at('readiness_probe'), 'ready_log_line is used for readiness; a kelpie service has one ready mechanism');
  } else if (readiness !== undefined) {
    const probe = probeOf(d, at('readiness_probe'), readiness);
    if (probe) {
      t.set('ready', probe.table);
      if (probe.total > 30_000) t.set('ready_timeout', duration(Math.ceil(probe.total / 1000) * 1000));
    }
  }
  const liveness = use('liveness_probe');
  if (liveness !== undefined) {
    if (ctx.oneshot) d.warn(at('liveness_probe'), 'it runs to completion (a oneshot here): a liveness probe does not apply; left out');
    else {
      const probe = probeOf(d, at('liveness_probe'), liveness);
      if (probe) t.set('liveness', probe.table);
    }
  }

  // shutdown
  const shutdown = use('shutdown');
  if (isObject(shutdown)) {
    const stop = new Table();
    if (shutdown['signal'] !== undefined) {
      const n = signalName(shutdown['signal']);
      if (n === null) d.warn(at('shutdown.signal'), `unknown signal ${show(shutdown['signal'])}; SIGTERM is used`);
      else stop.set('signal', n);
    }
    if (shutdown['timeout_seconds'] !== undefined) {
      const n = Number(shutdown['timeout_seconds']);
      if (Number.isFinite(n) && n >= 0) stop.set('timeout', duration(n * 1000, 0));
      else d.warn(at('shutdown.timeout_seconds'), `cannot read ${show(shutdown['timeout_seconds'])}; left out`);
    }
    if (stop.size > 0) t.set('stop', stop);
    if (shutdown['command'] !== undefined) d.warn(at('shutdown.command'), 'kelpie stops a service with stop.signal, not a command; make the process exit on that signal');
    if (shutdown['parent_only'] === true) d.warn(at('shutdown.parent_only'), 'kelpie signals the whole process group');
    for (const k of Object.keys(shutdown)) {
      if (!['signal', 'timeout_seconds', 'command', 'parent_only'].includes(k)) d.warn(at(`shutdown.${k}`), 'not carried over');
    }
  } else if (shutdown !== undefined) d.warn(at('shutdown'), `cannot read ${show(shutdown)}; left out`);

  for (const [k, v] of Object.entries(p)) {
    if (done.has(k) || unset(v, k === 'replicas') || k.startsWith('x-')) continue;
    d.warn(at(k), PROCESS_WARN[k] ?? 'not carried over');
  }
}

/** A process-compose probe as a kelpie probe table, and how long compose would wait for it. */
function probeOf(d: Draft, path: string, v: unknown): { table: Table; total: number } | null {
  if (!isObject(v)) {
    d.warn(path, `cannot read ${show(v)}; left out`);
    return null;
  }
  const t = new Table();
  const exec = v['exec'];
  const http = v['http_get'];
  if (isObject(exec) && typeof exec['command'] === 'string' && exec['command'].trim() !== '') {
    t.set('exec', ['/bin/sh', '-c', exec['command']]);
    if (exec['working_dir'] !== undefined) d.warn(`${path}.exec.working_dir`, 'kelpie runs an exec probe in the service\'s cwd');
  } else if (isObject(http)) {
    const scheme = typeof http['scheme'] === 'string' && http['scheme'] !== '' ? http['scheme'] : 'http';
    const host = typeof http['host'] === 'string' && http['host'] !== '' ? http['host'] : '127.0.0.1';
    const port = http['port'] !== undefined ? Number(http['port']) : NaN;
    let p = typeof http['path'] === 'string' && http['path'] !== '' ? http['path'] : '/';
    if (!p.startsWith('/')) p = `/${p}`;
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    t.set('http', `${scheme}://${hostPart}${Number.isInteger(port) && port > 0 && port < 65536 ? `:${port}` : ''}${p}`);
    const code = http['status_code'];
    if (code !== undefined) {
      const n = Number(code);
      if (Number.isInteger(n) && n >= 100 && n <= 599) t.set('status', n);
      else d.warn(`${path}.http_get.status_code`, `cannot read ${show(code)}; left out`);
    }
    if (http['headers'] !== undefined) d.warn(`${path}.http_get.headers`, 'kelpie\'s http probe sends no extra headers');
  } else {
    d.warn(path, 'neither exec.command nor http_get: left out');
    return null;
  }
  const seconds = (k: string, key: string, min: number): number | null => {
    if (v[k] === undefined) return null;
    const n = Number(v[k]);
    if (!Number.isFinite(n) || n < min) {
      d.warn(`${path}.${k}`, `cannot read ${show(v[k])}; left out`);
      return null;
    }
    t.set(key, duration(n * 1000, min * 1000));
    return n * 1000;
  };
  const count = (k: string): number | null => {
    if (v[k] === undefined) return null;
    const n = Number(v[k]);
    if (!Number.isInteger(n) || n < 1) {
      d.warn(`${path}.${k}`, `cannot read ${show(v[k])}; left out`);
      return null;
    }
    t.set(k, n);
    return n;
  };
  const interval = seconds('period_seconds', 'interval', 0.001) ?? 1000;
  const timeout = seconds('timeout_seconds', 'timeout', 0.001) ?? 1000;
  const delay = seconds('initial_delay_seconds', 'initial_delay', 0) ?? 0;
  count('success_threshold');
  const failures = count('failure_threshold') ?? 3;
  for (const k of Object.keys(v)) {
    if (!['exec', 'http_get', 'period_seconds', 'timeout_seconds', 'initial_delay_seconds', 'success_threshold', 'failure_threshold'].includes(k)) d.warn(`${path}.${k}`, 'not carried over');
  }
  return { table: t, total: delay + failures * interval + timeout };
}
