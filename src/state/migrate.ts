// State file migrations, oldest first. Each takes the decoded JSON of version N and returns
// version N+1. A newer kelpie reads every older state file; an older kelpie refuses a newer
// one (it cannot know what it would lose).
//
// v1 (kelpie 0.1 before desired state): services with enabled flags and counters only.
// v2: adds per-service `wanted` and `pending`, and top-level `registered` and `transient`.

type Json = Record<string, unknown>;

const MIGRATIONS: Record<number, (s: Json) => Json> = {
  1: (s) => {
    const services: Record<string, Json> = {};
    for (const [name, svc] of Object.entries((s.services ?? {}) as Record<string, Json>)) {
      services[name] = { ...svc, wanted: null, pending: null };
    }
    return { ...s, version: 2, services, registered: {}, transient: {} };
  },
};

/** Brings decoded state of any known older version up to `target`. */
export function migrate(state: Json, target: number): Json {
  let s = state;
  let v = typeof s.version === 'number' ? s.version : NaN;
  if (!Number.isInteger(v) || v < 1) throw new Error(`state file has no valid version (${String(s.version)})`);
  if (v > target) throw new Error(`state file version ${v} is newer than this kelpie understands (${target}); upgrade kelpie`);
  while (v < target) {
    const step = MIGRATIONS[v];
    if (!step) throw new Error(`no migration from state version ${v}`);
    s = step(s);
    v = s.version as number;
  }
  return s;
}
