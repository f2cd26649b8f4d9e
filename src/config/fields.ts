// The one table of config keys: type, default and doc for each. The validator (check.ts) and
// the JSON Schema generator (schema.ts) both read it, so they cannot drift apart.
import { formatDuration } from './duration.js';
import { readinessFields, type ProbeRole, type ProbeValue } from './probe-fields.js';
import { privilegeFields } from './privilege-fields.js';
import { checkTimerKeys, timerFields, timerKeysSchema } from './timer.js';
import type { Issues } from './issues.js';
import type { TTable } from './toml.js';

/** What a key's value must be, and what it is converted to. */
export type Kind =
  | { readonly k: 'string' }
  | { readonly k: 'boolean' }
  | { readonly k: 'integer'; readonly min: number; readonly max: number }
  | { readonly k: 'enum'; readonly values: readonly string[] }
  /** A duration string → milliseconds, at least `min`. */
  | { readonly k: 'duration'; readonly min: number }
  /** Integer bytes or a size string → bytes. */
  | { readonly k: 'size' }
  /** A signal name ("TERM", "SIGTERM") → "SIGTERM". */
  | { readonly k: 'signal' }
  /** A string (run by /bin/sh -c) or a non-empty array of strings → argv. */
  | { readonly k: 'command' }
  /** A string or an array of strings → located strings (paths resolved by the loader). */
  | { readonly k: 'paths' }
  /** A table of string → string. */
  | { readonly k: 'env' }
  /** An array of integers in [min, max]. */
  | { readonly k: 'integers'; readonly min: number; readonly max: number }
  /** An array of service names or aliases (SERVICE_NAME_PATTERN), each kept with its place. */
  | { readonly k: 'names' }
  /** An array whose items are a name, or a table of `fields` naming one in `service`. */
  | { readonly k: 'deps'; readonly fields: Fields }
  | {
      readonly k: 'table';
      readonly fields: Fields;
      readonly refine?: Refine;
      /** Rules between keys that report at the keys themselves and keep the table (timer.ts). */
      readonly check?: TableCheck;
      /** The same rules as JSON Schema, added to the table's allOf. */
      readonly schema?: readonly object[];
    }
  /** A cron expression or nickname, parsed by croner (timer.ts). */
  | { readonly k: 'cron' }
  /** An IANA time zone name. */
  | { readonly k: 'timezone' }
  /** `ready`, `liveness` or `startup`: a table of `fields` naming exactly one mechanism (probe.ts). */
  | { readonly k: 'probe'; readonly role: ProbeRole; readonly fields: Fields }
  /** A value inside such a table (probe-values.ts). */
  | { readonly k: 'probeValue'; readonly v: ProbeValue }
  /** An array of tables of `fields` (`[[services.NAME.processes]]`). */
  | { readonly k: 'tables'; readonly fields: Fields }
  /** A table whose keys are names (e.g. services) and whose values share one shape. */
  | { readonly k: 'map'; readonly keyPattern: string; readonly keyMaxLength: number; readonly value: Field };

/** A cross-key rule on a converted table; names the key to blame. */
export type Refine = (v: Readonly<Record<string, unknown>>) => { key: string; expected: string } | undefined;

/** Cross-key rules on a checked table that report problems themselves, at the keys to blame;
 *  unlike Refine, the table is kept (so a service with such a problem is still known by name). */
export type TableCheck = (node: TTable, out: Readonly<Record<string, unknown>>, path: string, issues: Issues) => void;

/** One key: its kind, TOML-form default, doc, and the property name in the validated object. */
export interface Field {
  readonly kind: Kind;
  readonly doc: string;
  /** Written as in TOML ("10s", [0]); converted by the same code as user values. */
  readonly default?: unknown;
  readonly required?: boolean;
  /** Required unless the sibling `key` is `value`, and then not allowed (a target has no command).
   *  Checked after the table's other keys, so a bad `key` value does not also blame this key. */
  readonly requiredUnless?: {
    readonly key: string;
    readonly value: string;
    readonly hint: string;
    /** Also not required, and then not allowed, when one of these sibling keys is present (a
     *  multi-process or a remote service has no command of its own). */
    readonly orPresent?: ReadonlyArray<{ readonly key: string; readonly hint: string }>;
  };
  /** Not allowed when the sibling `key` has one of `values` (a target has no readiness). Checked
   *  like requiredUnless. `hint` may differ per value. */
  readonly forbiddenWhen?: { readonly key: string; readonly values: readonly string[]; readonly hint: string | Readonly<Record<string, string>> };
  /** Allowed only when the sibling `key` is `value`, a left-out `key` counting as its default
   *  (schedule only on a timer). Checked like requiredUnless. */
  readonly onlyWhen?: { readonly key: string; readonly value: string; readonly hint: string };
  /** Property in the validated object when it differs from the key (reset_after → resetAfter). */
  readonly prop?: string;
}

/** The keys allowed in one table. */
export type Fields = Readonly<Record<string, Field>>;

const SIZE_DOC = 'Rotate the log file when it reaches this size: integer bytes or "512KB", "10MB", "1GB" (KB = 1024 bytes).';
const KEEP_DOC = 'Rotated log files kept beside the current one.';
const KEEP: Kind = { k: 'integer', min: 0, max: 1000 };

/** Global `[log]`. */
export const globalLogFields: Fields = {
  max_size: { kind: { k: 'size' }, default: '10MB', prop: 'maxBytes', doc: SIZE_DOC },
  keep: { kind: KEEP, default: 5, doc: KEEP_DOC },
};

/** `[dashboard] listen`: HOST:PORT, the host an IPv4 address, [IPv6] or localhost; port 0 picks a free one. */
export const LISTEN_PATTERN = '^(\\[[0-9a-fA-F:.]+\\]|[0-9]{1,3}(\\.[0-9]{1,3}){3}|localhost):[0-9]{1,5}$';

/** Whether `v` is a valid `[dashboard] listen` value (the pattern, and a port up to 65535). */
export function validListen(v: string): boolean {
  return new RegExp(LISTEN_PATTERN).test(v) && Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535;
}

/** Global `[dashboard]`: the web dashboard's TCP listener and the Prometheus endpoint. */
export const dashboardFields: Fields = {
  listen: {
    kind: { k: 'string' },
    default: '127.0.0.1:0',
    doc: 'Where the dashboard listens, as HOST:PORT (127.0.0.1:0 = loopback, a free port). It opens on the first kelpie dashboard, or at start-up when metrics is on. Any address other than loopback exposes it to the network (capability and cookie still required; no TLS).',
  },
  metrics: {
    kind: { k: 'boolean' },
    default: false,
    doc: 'Serve Prometheus metrics at /metrics on the dashboard listener (a capability allowing status is required, as a bearer token), and open the listener at start-up.',
  },
};

/** Per-service `log`: no defaults here, the loader fills them from the global `[log]`. */
export const serviceLogFields: Fields = {
  max_size: { kind: { k: 'size' }, prop: 'maxBytes', doc: `${SIZE_DOC} Defaults to [log].max_size.` },
  keep: { kind: KEEP, doc: `${KEEP_DOC} Defaults to [log].keep.` },
};

const EXIT_CODE = { k: 'integers', min: 0, max: 255 } as const;

/** Service names (and aliases): safe in paths, URLs and shell words. */
export const SERVICE_NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9_.@-]*$';
export const SERVICE_NAME_MAX = 64;

/** Keys of a `requires` item written as a table. */
export const requireFields: Fields = {
  service: { kind: { k: 'string' }, required: true, doc: 'The required service, by name or alias.' },
  condition: {
    kind: { k: 'enum', values: ['started', 'ready', 'completed'] },
    doc: 'What the required service must reach first: started (spawned), ready (default; for a oneshot: completed) or completed (a oneshot exited successfully; only for oneshots).',
  },
};

/** Keys of one `[[services.NAME.processes]]` table. */
export const processFields: Fields = {
  name: { kind: { k: 'string' }, required: true, doc: 'The process name, unique within the service; it runs as the service NAME:PROCESS.' },
  command: { kind: { k: 'command' }, required: true, doc: 'What this process runs (as command of a service).' },
  cwd: { kind: { k: 'string' }, doc: "Working directory; defaults to the service's." },
  env: { kind: { k: 'env' }, doc: "Extra environment variables, over the service's." },
  ready: { ...readinessFields['ready']!, forbiddenWhen: undefined, doc: 'How kelpie learns this process is ready (as ready of a service). The service is ready once every process is.' },
};

/** Keys of `[services.NAME]`. */
export const serviceFields: Fields = {
  command: {
    kind: { k: 'command' },
    requiredUnless: {
      key: 'kind',
      value: 'target',
      hint: 'a target only groups the services it requires; remove command, or use kind = "longrun", "oneshot" or "timer"',
      orPresent: [
        { key: 'processes', hint: 'a service with [[processes]] runs their commands; give each process its command and remove this one' },
        { key: 'remote', hint: 'a remote service runs on its own node; remove command here (docs/fleet.md)' },
      ],
    },
    doc: 'What to run: an array of strings (argv, no shell), or a string run by /bin/sh -c. Required, except for a target or a remote service, which have none.',
  },
  kind: {
    kind: { k: 'enum', values: ['longrun', 'oneshot', 'target', 'timer'] },
    default: 'longrun',
    doc: 'longrun: runs until stopped; oneshot: runs to completion, dependents wait for success; target: no process, groups what it requires; timer: runs the command at each occurrence of schedule or every.',
  },
  cwd: { kind: { k: 'string' }, doc: 'Working directory; relative paths are resolved against the directory of the file defining the service, which is also the default.' },
  env: { kind: { k: 'env' }, doc: 'Extra environment variables (strings). Override env_file and the environment kelpie itself runs with.' },
  env_file: {
    kind: { k: 'paths' },
    prop: 'envFile',
    doc: 'Dotenv file(s) read at load time, relative to the defining file; later files override earlier ones, env overrides all.',
  },
  autostart: { kind: { k: 'boolean' }, default: true, doc: 'Start the service when kelpie comes up.' },
  restart: {
    kind: { k: 'enum', values: ['always', 'on-failure', 'never'] },
    default: 'on-failure',
    doc: 'When to respawn after the process exits on its own: always, on-failure (exit code not in success_codes, or a signal), never.',
  },
  backoff: {
    kind: {
      k: 'table',
      fields: {
        initial: { kind: { k: 'duration', min: 0 }, default: '100ms', doc: 'First delay before a respawn; doubles on each further failure. "0s": respawn at once (start_limit still applies).' },
        max: { kind: { k: 'duration', min: 1 }, default: '30s', doc: 'Upper bound of the respawn delay.' },
        reset_after: {
          kind: { k: 'duration', min: 1 },
          default: '60s',
          prop: 'resetAfter',
          doc: 'Uptime after which the delay and the failure count reset.',
        },
      },
      refine: (v) =>
        Number(v['initial']) > Number(v['max'])
          ? { key: 'initial', expected: `a duration no longer than backoff.max (${formatDuration(Number(v['max']))})` }
          : undefined,
    },
    doc: 'Exponential delay between respawns.',
  },
  start_limit: {
    kind: {
      k: 'table',
      fields: {
        burst: { kind: { k: 'integer', min: 1, max: 1_000_000 }, default: 5, doc: 'Starts allowed within interval.' },
        interval: { kind: { k: 'duration', min: 1 }, default: '10s', doc: 'Window in which starts are counted.' },
      },
    },
    prop: 'startLimit',
    doc: 'More than burst starts within interval puts the service in failed ("respawning too fast").',
  },
  success_codes: { kind: EXIT_CODE, default: [0], prop: 'successCodes', doc: 'Exit codes that count as success.' },
  no_restart_codes: {
    kind: EXIT_CODE,
    default: [125],
    prop: 'noRestartCodes',
    doc: 'Exit codes after which the service is never restarted, whatever the restart policy (as s6).',
  },
  stop: {
    kind: {
      k: 'table',
      fields: {
        signal: { kind: { k: 'signal' }, default: 'SIGTERM', doc: 'Signal sent to the process group to stop it ("TERM" or "SIGTERM").' },
        timeout: { kind: { k: 'duration', min: 0 }, default: '10s', doc: 'Wait this long after signal, then SIGKILL the whole process group.' },
      },
    },
    doc: 'Staged stop: signal, then SIGKILL after timeout.',
  },
  log: { kind: { k: 'table', fields: serviceLogFields }, doc: 'Log rotation for this service; defaults to the global [log].' },
  requires: {
    kind: { k: 'deps', fields: requireFields },
    default: [],
    doc: 'Hard dependencies, started first and stopped after this service: names or aliases, or tables { service = "db", condition = "ready" }.',
  },
  wants: { kind: { k: 'names' }, default: [], doc: 'Soft dependencies: started alongside this service, without ordering; their failure does not stop it.' },
  after: { kind: { k: 'names' }, default: [], doc: 'Ordering only: when both are starting, start this service once these have finished starting (ready, done or failed); does not start them.' },
  provides: { kind: { k: 'names' }, default: [], doc: 'Aliases other services may use in requires, wants and after.' },
  on_dependency_restart: {
    kind: { k: 'enum', values: ['ignore', 'restart'] },
    default: 'ignore',
    prop: 'onDependencyRestart',
    doc: 'When a service this one requires restarts: ignore, or restart this service too (once it is back).',
  },
  processes: {
    kind: { k: 'tables', fields: processFields },
    forbiddenWhen: { key: 'kind', values: ['oneshot', 'target', 'timer'], hint: 'only a longrun can have several processes' },
    doc: 'Several processes of one service ([[services.NAME.processes]]), each with its name, command and readiness; the service is ready once all are. Replaces command.',
  },
  on_process_exit: {
    kind: { k: 'enum', values: ['restart-process', 'restart-service'] },
    default: 'restart-process',
    prop: 'onProcessExit',
    doc: 'With processes: when one exits on its own, restart just that process (per the restart policy), or the whole service.',
  },
  remote: {
    kind: {
      k: 'table',
      fields: {
        node: { kind: { k: 'string' }, required: true, doc: 'The node: a name in [remotes] of the main config file, or in the remotes file of the user kelpie runs as (kelpie remote add).' },
        service: { kind: { k: 'string' }, required: true, doc: 'The service on that node.' },
      },
    },
    forbiddenWhen: { key: 'kind', values: ['oneshot', 'target', 'timer'], hint: 'a remote service mirrors a service on another node; leave kind out' },
    doc: 'A proxy for a service on another node: start and stop act there with the capability in the node\'s URL, and the state mirrors the remote one (docs/fleet.md).',
  },
  ...readinessFields,
  ...timerFields,
  ...privilegeFields,
};

/** Keys of the main config file. Included files may hold only `services`. */
export const topFields: Fields = {
  include: {
    kind: { k: 'paths' },
    default: [],
    doc: 'Files defining more services, as paths or globs (* and ?) relative to this file; read in sorted order.',
  },
  log: { kind: { k: 'table', fields: globalLogFields }, doc: 'Default log rotation for every service.' },
  dashboard: {
    kind: {
      k: 'table',
      fields: dashboardFields,
      refine: (v) => (typeof v['listen'] === 'string' && !validListen(v['listen']) ? { key: 'listen', expected: 'HOST:PORT with an IPv4 address, [IPv6 address] or localhost, and a port from 0 to 65535, like "127.0.0.1:0"' } : undefined),
      schema: [{ properties: { listen: { pattern: LISTEN_PATTERN } } }],
    },
    doc: 'The web dashboard and metrics endpoint (docs/dashboard.md).',
  },
  api: {
    kind: {
      k: 'table',
      fields: {
        listen: { kind: { k: 'string' }, doc: 'Also serve the API over TCP, TLS 1.3 only, at "host:port" (port 0: any free port), for other nodes and remote CLIs holding a capability URL (docs/fleet.md).' },
      },
    },
    doc: 'Where the API is served besides the Unix socket.',
  },
  remotes: {
    kind: { k: 'map', keyPattern: SERVICE_NAME_PATTERN, keyMaxLength: SERVICE_NAME_MAX, value: { kind: { k: 'string' }, doc: 'A capability URL: kelpie://FINGERPRINT@host:port/CAPABILITY.' } },
    default: {},
    doc: 'Other nodes by name, each with the capability URL to reach it; remote services name them in remote.node. The URLs are secrets: keep this file 0600.',
  },
  services: {
    kind: {
      k: 'map',
      keyPattern: SERVICE_NAME_PATTERN,
      keyMaxLength: SERVICE_NAME_MAX,
      value: { kind: { k: 'table', fields: serviceFields, check: checkTimerKeys, schema: timerKeysSchema }, doc: 'One service.' },
    },
    default: {},
    doc: 'The services, by name.',
  },
};
