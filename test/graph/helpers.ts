// Test helper: ServiceSpecs with only the dependency fields that matter here.
import type { DepCondition, ServiceKind, ServiceSpec } from '../../src/config/types.js';

export interface Deps {
  kind?: ServiceKind;
  /** A name (condition "ready") or [name, condition]. */
  requires?: (string | [string, DepCondition])[];
  wants?: string[];
  after?: string[];
  provides?: string[];
}

export function spec(name: string, d: Deps = {}): ServiceSpec {
  return {
    name,
    kind: d.kind ?? 'longrun',
    command: d.kind === 'target' ? [] : ['true'],
    cwd: '/',
    env: {},
    autostart: true,
    restart: 'on-failure',
    backoff: { initial: 100, max: 30_000, resetAfter: 60_000 },
    startLimit: { burst: 5, interval: 10_000 },
    successCodes: [0],
    noRestartCodes: [125],
    stop: { signal: 'SIGTERM', timeout: 10_000 },
    log: { maxBytes: 1024, keep: 1 },
    requires: (d.requires ?? []).map((r, i) => (typeof r === 'string' ? { service: r, condition: 'ready', line: i + 1 } : { service: r[0], condition: r[1], line: i + 1 })),
    wants: d.wants ?? [],
    after: d.after ?? [],
    provides: d.provides ?? [],
    onDependencyRestart: 'ignore',
    ready: { kind: 'none' },
    readyTimeout: 30_000,
    liveness: null,
    startup: null,
    onChange: 'restart',
    timer: null,
    remote: null,
    watchdog: null,
    sockets: [],
    pidFile: null,
    privileges: { user: null, group: null, umask: null, nice: null, clearEnv: false, rlimits: {} },
    processOf: null,
    processes: [],
    onProcessExit: 'restart-process',
    source: { file: '/kelpie.toml', line: 1 },
  };
}

/** A services record from name → deps, in the order given. */
export function services(defs: Record<string, Deps>): Record<string, ServiceSpec> {
  return Object.fromEntries(Object.entries(defs).map(([n, d]) => [n, spec(n, d)]));
}
