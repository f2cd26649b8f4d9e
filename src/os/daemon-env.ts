// The environment of kelpie's own daemons (keeper, controller), and how services still get
// the one the person started kelpie with.
//
// NODE_EXTRA_CA_CERTS makes every Node process read and parse that certificate file while it
// starts, whether it ever makes a TLS connection or not: on the benchmark machine, where it
// names the system bundle, that is 48 ms of every Node start (`node -e 0` 77 ms with it, 29
// without; docs/benchmarks.md). kelpie's daemons make one kind of connection that verifies
// certificates against CAs, an `https` probe; everything else is pinned TLS or none. So the
// daemons start without the variable, carry its value as KELPIE_DEFERRED_<name>, services get
// it back under its own name, and an https probe adds the file's certificates itself
// (readiness/probe.ts). The CLI started as a program (bin/kelpie, a shell line before Node)
// defers it the same way, and gives it back to what it starts for the person (a browser).

/** Variables the daemons start without; services get them back unchanged. */
export const DEFERRED_VARS: readonly string[] = ['NODE_EXTRA_CA_CERTS'];
const PREFIX = 'KELPIE_DEFERRED_';

/** `env` for starting a daemon: each deferred variable moved to KELPIE_DEFERRED_<name>. */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of DEFERRED_VARS) {
    const v = out[name];
    if (v === undefined) continue;
    delete out[name];
    out[PREFIX + name] = v;
  }
  return out;
}

/** A deferred variable's value as the person set it (under its own name, or carried). */
export function deferredValue(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[name] ?? env[PREFIX + name];
}

/**
 * For a service's environment: the pairs of `entries` with each carried variable back under
 * its own name (one set under its own name wins) and no KELPIE_DEFERRED_ name left.
 */
export function restoreDeferred(entries: Record<string, string>): Record<string, string> {
  for (const name of DEFERRED_VARS) {
    const carried = entries[PREFIX + name];
    if (carried === undefined) continue;
    delete entries[PREFIX + name];
    entries[name] ??= carried;
  }
  return entries;
}
