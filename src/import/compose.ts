// docker compose file → kelpie.toml: the process-related subset. Compose runs containers;
// kelpie runs processes on this host, so what is about images, networks, ports and mounts is
// reported, not converted. What carries over: command/entrypoint, environment, env_file,
// working_dir (through a bind mount when there is one), depends_on with its conditions,
// healthcheck → ready, restart, stop_signal, stop_grace_period, ulimits and profiles.
import { parse as parseYaml } from 'yaml';
import {
  Draft,
  ImportError,
  duration,
  envTable,
  envValue,
  escapeRegex,
  goDuration,
  isObject,
  relocate,
  shellWords,
  show,
  signalName,
  startLimit,
  unset,
  type ImportOptions,
  type ImportResult,
} from './common.js';
import { Table, type Value } from './toml.js';

/** Top-level keys that are about containers, not processes. */
const TOP_WARN: Readonly<Record<string, string>> = {
  networks: 'kelpie services share the host network',
  volumes: 'named volumes are not carried over; services use host paths directly',
  secrets: 'mount secrets as files or pass them with env_file',
  configs: 'kelpie services read config files from the host directly',
  include: 'merge the included compose files first (docker compose config), then import the result',
  models: 'not carried over',
};

/** Service keys that are about containers, and why they are not carried over. */
const SERVICE_WARN: Readonly<Record<string, string>> = {
  ports: 'kelpie runs processes on this host: they listen on their own ports, nothing is published or mapped',
  expose: 'kelpie runs processes on this host: nothing to expose',
  networks: 'kelpie services share the host network: reach other services at 127.0.0.1, not by service name',
  network_mode: 'kelpie services share the host network',
  links: 'kelpie services share the host network: reach other services at 127.0.0.1',
  external_links: 'kelpie services share the host network',
  extra_hosts: 'edit /etc/hosts on this host instead',
  dns: 'the host resolver is used', dns_search: 'the host resolver is used', dns_opt: 'the host resolver is used',
  hostname: 'the host\'s name is used', domainname: 'the host\'s name is used', mac_address: 'not carried over',
  container_name: 'kelpie knows the service by its name',
  labels: 'not carried over', annotations: 'not carried over',
  logging: 'kelpie captures stdout and stderr into rotated logs itself (`kelpie logs`); see log.max_size and log.keep',
  deploy: 'replicas, resources and placement are not carried over: kelpie runs one process per service',
  scale: 'kelpie runs one process per service',
  cap_add: 'capabilities are not carried over', cap_drop: 'capabilities are not carried over',
  privileged: 'not carried over', security_opt: 'not carried over', userns_mode: 'not carried over',
  devices: 'not carried over', device_cgroup_rules: 'not carried over', gpus: 'not carried over',
  tmpfs: 'not carried over', read_only: 'not carried over', shm_size: 'not carried over', sysctls: 'not carried over',
  ipc: 'not carried over', pid: 'not carried over', uts: 'not carried over', cgroup: 'not carried over', cgroup_parent: 'not carried over',
  mem_limit: 'kelpie sets no memory limit (rlimits.as is the nearest)', memswap_limit: 'not carried over', mem_reservation: 'not carried over', mem_swappiness: 'not carried over',
  cpus: 'kelpie sets no CPU quota (nice lowers priority)', cpu_shares: 'not carried over', cpu_quota: 'not carried over', cpu_period: 'not carried over', cpuset: 'not carried over', cpu_count: 'not carried over', cpu_percent: 'not carried over',
  oom_kill_disable: 'not carried over', oom_score_adj: 'not carried over', pids_limit: 'rlimits.nproc is the nearest', blkio_config: 'not carried over',
  platform: 'not carried over', pull_policy: 'there is no image to pull', runtime: 'not carried over', isolation: 'not carried over', storage_opt: 'not carried over',
  stdin_open: 'kelpie services have no terminal or stdin', tty: 'kelpie services have no terminal or stdin',
  secrets: 'mount secrets as files or pass them with env_file', configs: 'read config files from the host directly',
  extends: 'merge it first (docker compose config), then import the result',
  develop: 'kelpie does not watch files', post_start: 'lifecycle hooks are not carried over', pre_stop: 'lifecycle hooks are not carried over',
  user: 'a user inside the container; set user (and group) to a user of this host if needed',
  group_add: 'not carried over', attach: 'kelpie always captures output', volumes_from: 'not carried over', credential_spec: 'not carried over',
  external: 'not carried over', use_api_socket: 'not carried over', models: 'not carried over', provider: 'not carried over',
};

/** Compose ulimits kelpie has an rlimit for. */
const RLIMITS = new Set(['nofile', 'nproc', 'core', 'memlock', 'as', 'fsize', 'stack', 'cpu']);

const CONDITIONS: Readonly<Record<string, string>> = {
  service_started: 'started',
  service_healthy: 'ready',
  service_completed_successfully: 'completed',
};

/** Converts a docker compose file (YAML). */
export function convertCompose(text: string, opts: ImportOptions = {}): ImportResult {
  let doc: unknown;
  try {
    doc = parseYaml(text, { merge: true });
  } catch (e) {
    throw new ImportError(`not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc) || !isObject(doc['services'])) throw new ImportError('no "services" mapping found: this does not look like a docker compose file');
  const d = new Draft('compose', opts);
  for (const k of Object.keys(doc)) {
    if (k === 'services' || k === 'version' || k === 'name' || k.startsWith('x-')) continue;
    d.warn(k, TOP_WARN[k] ?? 'not carried over');
  }
  const services = doc['services'];
  const sources = Object.keys(services);
  d.assign(sources.map((src) => ({ source: src, path: `services.${src}` })));
  // A service others wait to complete successfully becomes a oneshot.
  const oneshots = new Set<string>();
  for (const src of sources) {
    const deps = (services[src] as Record<string, unknown> | null)?.['depends_on'];
    if (isObject(deps)) for (const [dep, v] of Object.entries(deps)) if (isObject(v) && v['condition'] === 'service_completed_successfully') oneshots.add(dep);
  }
  for (const src of sources) {
    const svc = services[src];
    if (!isObject(svc)) {
      d.warn(`services.${src}`, 'not a mapping, skipped');
      continue;
    }
    convertService(d, src, svc, sources, oneshots.has(src));
  }
  return d.result();
}

function convertService(d: Draft, src: string, svc: Record<string, unknown>, all: readonly string[], oneshot: boolean): void {
  const base = `services.${src}`;
  const at = (k: string): string => `${base}.${k}`;
  const name = d.lookup(src)!;
  const s = d.add(name);
  const t = s.t;
  const done = new Set<string>();
  const use = (k: string): unknown => {
    done.add(k);
    return svc[k];
  };

  if (oneshot) {
    t.set('kind', 'oneshot');
    s.comments.push('other services wait for it to complete successfully (service_completed_successfully)');
  }

  // command
  const image = use('image');
  const build = use('build');
  const entrypoint = use('entrypoint');
  const command = use('command');
  const cmd = commandOf(d, base, entrypoint, command);
  const from = typeof image === 'string' ? `the image ${image}` : build !== undefined ? 'the image built from its Dockerfile' : null;
  if (cmd === null) {
    const what = from ?? 'nothing';
    s.comments.push(`compose ran ${what}: replace this command with the one that runs it on this host`);
    t.set('command', `echo "${name}: no command yet (compose ran ${from === null ? 'nothing' : from.replace(/["\\$`]/g, '')})" >&2; exit 125`);
    d.warn(at(typeof image === 'string' ? 'image' : build !== undefined ? 'build' : 'command'), `no command: compose ran ${what}, and kelpie runs processes, not images; the service gets a placeholder command that fails (exit 125, not restarted) until you write the real one`);
  } else {
    t.set('command', cmd);
    if (from !== null) d.warn(at(typeof image === 'string' ? 'image' : 'build'), `the command runs on this host, not in ${from}: install what it needs here`);
  }

  // working_dir, through a bind mount when there is one
  const mounts = bindMounts(use('volumes'));
  if (svc['volumes'] !== undefined) d.warn(at('volumes'), `${mounts.length > 0 ? 'bind mounts are not needed on the host (the working directory is mapped through them); ' : ''}volumes and mounts are not carried over: services use host paths directly`);
  const wd = use('working_dir');
  if (typeof wd === 'string' && wd !== '') {
    const mapped = throughMount(wd, mounts);
    if (mapped !== null) t.set('cwd', mapped === '.' || mapped === './' ? d.defaultCwd() : d.path(mapped));
    else {
      t.set('cwd', d.path(wd));
      if (from !== null) d.warn(at('working_dir'), `${show(wd)} is a directory inside the container; it must exist on this host`);
    }
  } else t.set('cwd', d.defaultCwd());

  // env_file and environment
  const envFile = use('env_file');
  if (envFile !== undefined) {
    const files: string[] = [];
    for (const [i, f] of (Array.isArray(envFile) ? envFile : [envFile]).entries()) {
      const p = Array.isArray(envFile) ? `env_file[${i}]` : 'env_file';
      if (typeof f === 'string') files.push(d.path(f));
      else if (isObject(f) && typeof f['path'] === 'string') {
        files.push(d.path(f['path']));
        if (f['required'] === false) d.warn(at(`${p}.required`), `kelpie needs ${show(f['path'])} to exist (a missing env file is an error); create it, even empty`);
        if (f['format'] !== undefined && f['format'] !== 'dotenv') d.warn(at(`${p}.format`), `only dotenv files are read; ${show(f['format'])} is not`);
      } else d.warn(at(p), `cannot read ${show(f)}; left out`);
    }
    if (files.length > 0) t.set('env_file', files.length === 1 ? files[0]! : files);
  }
  const env = use('environment');
  if (env !== undefined) {
    const pairs: Array<[string, string]> = [];
    const add = (k: string, v: unknown, path: string): void => {
      if (v === null || v === undefined) return; // passed through from the environment: kelpie passes its own
      const value = envValue(v);
      if (value === null) return d.warn(path, `not a string: ${show(v)}; left out`);
      const text = unescapeDollars(value, path, d, 'the value is kept as written');
      pairs.push([k, text]);
      const host = hostReference(text, all.filter((n) => n !== src));
      if (host) d.warn(path, `refers to the compose service ${JSON.stringify(host)} by host name; on one host, use 127.0.0.1 (or localhost)`);
    };
    if (Array.isArray(env)) {
      for (const [i, item] of env.entries()) {
        const str = String(item);
        const eq = str.indexOf('=');
        if (eq < 0) continue; // "NAME" alone: taken from the environment, as kelpie does anyway
        add(str.slice(0, eq), str.slice(eq + 1), at(`environment[${i}]`));
      }
    } else if (isObject(env)) {
      for (const [k, v] of Object.entries(env)) add(k, v, at(`environment.${k}`));
    } else d.warn(at('environment'), `cannot read ${show(env)}; left out`);
    t.set('env', envTable(pairs));
  }

  // profiles: not started by default
  const profiles = use('profiles');
  if (Array.isArray(profiles) && profiles.length > 0) {
    t.set('autostart', false);
    d.warn(at('profiles'), `only started with --profile ${profiles.map(String).join('/')} in compose: here autostart = false (start it with \`kelpie start ${name}\`)`);
  }

  // restart
  const restart = use('restart');
  const policy = restart === undefined || restart === false || restart === 'no' ? 'never' : String(restart);
  if (policy === 'never') t.set('restart', 'never');
  else if (policy === 'always' || policy === 'unless-stopped') t.set('restart', 'always');
  else if (policy.startsWith('on-failure')) {
    t.set('restart', 'on-failure');
    const n = /^on-failure:(\d+)$/.exec(policy)?.[1];
    if (n !== undefined) {
      t.set('start_limit', startLimit(Number(n), 1000));
      d.warn(at('restart'), `"at most ${n} retries" has no exact equivalent; start_limit (more than ${Number(n) + 1} starts within its interval: failed) approximates it`);
    }
  } else d.warn(at('restart'), `unknown policy ${show(restart)}; kelpie's default (on-failure) applies`);

  // depends_on
  const deps = use('depends_on');
  const requires: Value[] = [];
  const wants: string[] = [];
  const after: string[] = [];
  let restartWithDeps = false;
  const depName = (dep: string, path: string): string | null => {
    const n = d.lookup(dep);
    if (n === undefined) d.warn(path, `no service ${JSON.stringify(dep)} in this file; left out`);
    return n ?? null;
  };
  if (Array.isArray(deps)) {
    for (const [i, dep] of deps.entries()) {
      const n = depName(String(dep), at(`depends_on[${i}]`));
      if (n !== null) requires.push(new Table([['service', n], ['condition', 'started']]));
    }
  } else if (isObject(deps)) {
    for (const [dep, v] of Object.entries(deps)) {
      const path = at(`depends_on.${dep}`);
      const n = depName(dep, path);
      if (n === null) continue;
      const spec = isObject(v) ? v : {};
      const condRaw = spec['condition'] ?? 'service_started';
      let condition = CONDITIONS[String(condRaw)];
      if (condition === undefined) {
        d.warn(`${path}.condition`, `unknown condition ${show(condRaw)}; "started" is used`);
        condition = 'started';
      }
      if (spec['restart'] === true) restartWithDeps = true;
      if (spec['required'] === false) {
        wants.push(n);
        after.push(n);
        if (condition !== 'started') d.warn(`${path}.required`, `an optional dependency (wants + after) has no condition; ${show(condRaw)} is not carried over`);
      } else requires.push(condition === 'ready' ? n : new Table([['service', n], ['condition', condition]]));
    }
  } else if (deps !== undefined) d.warn(at('depends_on'), `cannot read ${show(deps)}; left out`);
  if (requires.length > 0) t.set('requires', requires);
  if (wants.length > 0) t.set('wants', wants);
  if (after.length > 0) t.set('after', after);
  if (restartWithDeps) t.set('on_dependency_restart', 'restart');

  // healthcheck → ready
  const hc = use('healthcheck');
  if (hc !== undefined) healthcheck(d, at('healthcheck'), hc, t);

  // stop
  const stop = new Table();
  const sig = use('stop_signal');
  if (sig !== undefined) {
    const n = signalName(sig);
    if (n === null) d.warn(at('stop_signal'), `unknown signal ${show(sig)}; SIGTERM is used`);
    else stop.set('signal', n);
  }
  const grace = use('stop_grace_period');
  if (grace !== undefined) {
    const ms = goDuration(grace);
    if (ms === null) d.warn(at('stop_grace_period'), `cannot read ${show(grace)}; left out`);
    else stop.set('timeout', duration(ms, 0));
  }
  if (stop.size > 0) t.set('stop', stop);

  // ulimits → rlimits
  const ulimits = use('ulimits');
  if (isObject(ulimits)) {
    const r = new Table();
    for (const [k, v] of Object.entries(ulimits)) {
      const path = at(`ulimits.${k}`);
      if (!RLIMITS.has(k)) {
        d.warn(path, 'kelpie has no such rlimit; left out');
        continue;
      }
      const soft = isObject(v) ? Number(v['soft']) : Number(v);
      const hard = isObject(v) ? Number(v['hard']) : soft;
      if (!Number.isInteger(soft) || soft < 0) {
        d.warn(path, `cannot read ${show(v)}; left out`);
        continue;
      }
      r.set(k, soft);
      if (hard !== soft) d.warn(path, `kelpie sets one value as both soft and hard limit: ${soft} (the soft limit) is used`);
    }
    if (r.size > 0) t.set('rlimits', r);
  } else if (ulimits !== undefined) d.warn(at('ulimits'), `cannot read ${show(ulimits)}; left out`);

  done.add('init'); // kelpie reaps orphans and signals the whole process group itself
  for (const [k, v] of Object.entries(svc)) {
    if (done.has(k) || unset(v, k === 'scale') || k.startsWith('x-')) continue;
    d.warn(at(k), SERVICE_WARN[k] ?? 'not carried over');
  }
}

/** `entrypoint` + `command` as a kelpie command (argv, or a shell string), or null for neither. */
function commandOf(d: Draft, base: string, entrypoint: unknown, command: unknown): Value | null {
  const part = (v: unknown, key: string): { words: string[] } | { shell: string } | null => {
    if (v === undefined || v === null) return null;
    if (Array.isArray(v)) return { words: v.map((x, i) => unescapeDollars(String(x), `${base}.${key}[${i}]`, d, 'the word is kept as written')) };
    if (typeof v !== 'string') {
      d.warn(`${base}.${key}`, `cannot read ${show(v)}; left out`);
      return null;
    }
    if (v.trim() === '') return null;
    // A string with $ is left to /bin/sh, which expands it at run time from the service's environment.
    if (/\$(?!\$)/.test(v.replace(/\$\$/g, ''))) {
      d.warn(`${base}.${key}`, 'compose substitutes $VARIABLES when it reads the file; kelpie runs the command through /bin/sh, which expands them at run time from the service\'s environment');
      return { shell: v.replace(/\$\$/g, '$') };
    }
    const words = shellWords(v.replace(/\$\$/g, '$'));
    return words === null ? { shell: v } : { words };
  };
  const e = part(entrypoint, 'entrypoint');
  const c = part(command, 'command');
  if (e === null && c === null) return null;
  const join = (p: { words: string[] } | { shell: string }): string => ('shell' in p ? p.shell : p.words.map(quote).join(' '));
  if (e !== null && c !== null) {
    if ('words' in e && 'words' in c) return [...e.words, ...c.words];
    return `${join(e)} ${join(c)}`;
  }
  const only = (e ?? c)!;
  return 'shell' in only ? only.shell : only.words;
}

/** A word quoted for /bin/sh when it needs it. */
function quote(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** `$$` → `$`; warns at `path` about `$VAR` / `${VAR}`, which compose substitutes and kelpie does not. */
function unescapeDollars(v: string, path: string, d: Draft, what: string): string {
  if (/\$[A-Za-z_{]/.test(v.replace(/\$\$/g, ''))) {
    d.warn(path, `compose substitutes \${VARIABLES} from the shell and .env when it reads the file; kelpie does not (${what}): ${show(v)}`);
  }
  return v.replace(/\$\$/g, '$');
}

/** The first of `names` that `value` uses as a host name ("db", "postgres://u:p@db:5432/x", "http://api/"). */
function hostReference(value: string, names: readonly string[]): string | undefined {
  return names.find((n) => value === n || new RegExp(`(^|//|@|,)${escapeRegex(n)}(:[0-9]+|/|,|$)`).test(value));
}

/** Bind mounts (host source → container target) of a service's volumes. */
function bindMounts(v: unknown): Array<{ source: string; target: string }> {
  if (!Array.isArray(v)) return [];
  const out: Array<{ source: string; target: string }> = [];
  for (const item of v) {
    if (typeof item === 'string') {
      const parts = item.split(':');
      if (parts.length >= 2 && /^[./~]/.test(parts[0]!)) out.push({ source: parts[0]!, target: parts[1]! });
    } else if (isObject(item) && item['type'] === 'bind' && typeof item['source'] === 'string' && typeof item['target'] === 'string') {
      out.push({ source: item['source'], target: item['target'] });
    }
  }
  return out;
}

/** A container path seen through a bind mount: the host path, or null when no mount holds it. */
function throughMount(path: string, mounts: ReadonlyArray<{ source: string; target: string }>): string | null {
  const norm = (p: string): string => (p.length > 1 ? p.replace(/\/+$/, '') : p);
  let best: { source: string; target: string } | undefined;
  for (const m of mounts) {
    const t = norm(m.target);
    if ((path === t || path.startsWith(t === '/' ? '/' : `${t}/`)) && (!best || t.length > norm(best.target).length)) best = m;
  }
  if (!best) return null;
  const rest = norm(path).slice(norm(best.target).length).replace(/^\//, '');
  return rest === '' ? best.source : relocate(best.source, rest);
}

/** A healthcheck as a `ready` probe (and a longer ready_timeout when its timing needs one). */
function healthcheck(d: Draft, path: string, hc: unknown, t: Table): void {
  if (!isObject(hc)) return d.warn(path, `cannot read ${show(hc)}; left out`);
  if (hc['disable'] === true) return;
  const test = hc['test'];
  let argv: string[] | null = null;
  let shell: string | null = null;
  if (typeof test === 'string') shell = test;
  else if (Array.isArray(test) && test.length > 0) {
    const [head, ...rest] = test.map(String);
    if (head === 'NONE') return;
    if (head === 'CMD') argv = rest;
    else if (head === 'CMD-SHELL') shell = rest.join(' ');
    else argv = test.map(String);
  }
  if ((argv === null || argv.length === 0) && (shell === null || shell.trim() === '')) {
    return d.warn(`${path}.test`, test === undefined ? 'no test: the image\'s own healthcheck is not known here; left out' : `cannot read ${show(test)}; left out`);
  }
  if (argv) argv = argv.map((w, i) => unescapeDollars(w, `${path}.test[${i + 1}]`, d, 'the word is kept as written'));
  if (shell !== null) shell = shell.replace(/\$\$/g, '$');
  const ready = new Table();
  const url = httpProbe(argv ?? shell!);
  if (url !== null) ready.set('http', url);
  else ready.set('exec', argv ?? ['/bin/sh', '-c', shell!]);
  let interval = 1000;
  let timeout = 1000;
  let delay = 0;
  let failures = 3;
  const dur = (k: string, set: (ms: number) => void, min: number): void => {
    if (hc[k] === undefined) return;
    const ms = goDuration(hc[k]);
    if (ms === null) return d.warn(`${path}.${k}`, `cannot read ${show(hc[k])}; left out`);
    set(Math.max(min, ms));
    ready.set(k === 'start_period' ? 'initial_delay' : k, duration(ms, min));
  };
  dur('interval', (ms) => (interval = ms), 1);
  dur('timeout', (ms) => (timeout = ms), 1);
  if (hc['retries'] !== undefined) {
    const n = Number(hc['retries']);
    if (Number.isInteger(n) && n >= 1) {
      failures = n;
      ready.set('failure_threshold', n);
    } else d.warn(`${path}.retries`, `cannot read ${show(hc['retries'])}; left out`);
  }
  dur('start_period', (ms) => (delay = ms), 0);
  if (hc['start_interval'] !== undefined) d.warn(`${path}.start_interval`, 'kelpie probes at one interval; start_interval is not carried over');
  for (const k of Object.keys(hc)) {
    if (!['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable'].includes(k)) d.warn(`${path}.${k}`, 'not carried over');
  }
  t.set('ready', ready);
  // compose gives up after start_period + retries failed checks; kelpie after ready_timeout (30 s by default).
  const total = delay + failures * interval + timeout;
  if (total > 30_000) t.set('ready_timeout', duration(Math.ceil(total / 1000) * 1000));
}

/**
 * A healthcheck that only fetches one URL (curl -f URL, wget -q --spider URL), as kelpie's own
 * http probe: no curl or wget needed on the host. null for anything else.
 */
function httpProbe(cmd: string[] | string): string | null {
  let words: string[] | null;
  if (typeof cmd === 'string') {
    const stripped = cmd.replace(/\s*\|\|\s*exit\s+1\s*$/, '');
    if (/[|&;<>()`$]/.test(stripped)) return null;
    words = shellWords(stripped);
  } else words = cmd;
  if (!words || words.length < 2) return null;
  const [prog, ...args] = words;
  const urls = args.filter((a) => /^https?:\/\/\S+$/.test(a));
  if (urls.length !== 1) return null;
  const flags = args.filter((a) => a !== urls[0]);
  if (prog === 'curl') {
    const fail = flags.some((f) => f === '--fail' || /^-[a-zA-Z]*f[a-zA-Z]*$/.test(f));
    const ok = flags.every((f, i) => /^-[fsSLk]+$/.test(f) || ['--fail', '--silent', '--show-error', '--location', '--insecure', '-o', '--output', '/dev/null'].includes(f) || (flags[i - 1] === '-o' || flags[i - 1] === '--output'));
    return fail && ok ? urls[0]! : null;
  }
  if (prog === 'wget') {
    const ok = flags.every((f, i) => /^-[qO]+-?$/.test(f) || ['--spider', '--quiet', '-O', '-', '/dev/null', '--tries=1', '-t', '1'].includes(f) || flags[i - 1] === '-O');
    return ok ? urls[0]! : null;
  }
  return null;
}
