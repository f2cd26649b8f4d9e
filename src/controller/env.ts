// The environment a service process gets: kelpie's own, minus kelpie's internal variables,
// with the variables its daemons start without put back (os/daemon-env.ts), plus the
// service's `env` (see docs/config.md).
import type { ServiceSpec } from '../config/types.js';
import { restoreDeferred } from '../os/daemon-env.js';

// kelpie's own variables, and the service-manager protocol variables addressed to kelpie itself
// (under systemd): a service gets its own NOTIFY_SOCKET from kelpie, or none.
const INTERNAL = ['KELPIE_HOME', 'KELPIE_CONFIG', 'KELPIE_KEEPER_PID', 'KELPIE_WATCH', 'KELPIE_CONFIG_HANDOFF', 'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'];

/** The complete environment for one spawn of `spec`. */
export function serviceEnv(spec: ServiceSpec, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = spec.privileges.clearEnv ? {} : { ...inherited(base) };
  Object.assign(env, spec.env);
  env.KELPIE_SERVICE = spec.name;
  return env;
}

let cached: { base: NodeJS.ProcessEnv; env: Readonly<Record<string, string>> } | null = null;

/**
 * What of `base` a service inherits, worked out once: reading process.env goes through a
 * getenv per key, which made this a tenth of a millisecond per spawn. The controller never
 * changes its own environment, so the cache stays true for its life.
 */
function inherited(base: NodeJS.ProcessEnv): Readonly<Record<string, string>> {
  if (cached?.base === base) return cached.env;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !INTERNAL.includes(k)) env[k] = v;
  // What the daemons started without (NODE_EXTRA_CA_CERTS) is the service's as it was set.
  restoreDeferred(env);
  cached = { base, env: Object.freeze(env) };
  return cached.env;
}
