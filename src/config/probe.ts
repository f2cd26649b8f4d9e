// `ready`, `liveness` and `startup` tables → ReadySpec / ProbeSpec. Each table names exactly one
// mechanism; timing keys go only with probes, `status` only with http, and liveness and startup
// take probes only. The keys themselves are in probe-fields.ts, their values in probe-values.ts.
import { resolve } from 'node:path';
import { didYouMean, type Issues } from './issues.js';
import { MECHANISMS, PROBES, STATUS, TIMING, type ProbeRole } from './probe-fields.js';
import { BAD, join, type Bad, type Out } from './values.js';
import type { Located } from './check.js';
import type { Fields } from './fields.js';
import type { StatusRange } from './probe-values.js';
import type { TEntry, TNode, TTable } from './toml.js';
import type { ProbeSpec, ProbeTarget, ReadySpec } from './types.js';

/** A probe as checked: a unix path is still as written, with its place (placeProbe resolves it). */
export type DraftProbe = Omit<ProbeSpec, 'target'> & {
  readonly target: Exclude<ProbeTarget, { type: 'unix' }> | { readonly type: 'unix'; readonly path: Located };
};
/** A ReadySpec as checked. */
export type DraftReady = Exclude<ReadySpec, { kind: 'probe' }> | { readonly kind: 'probe'; readonly probe: DraftProbe };

type CheckTable = (node: TTable, fields: Fields, path: string, issues: Issues) => Record<string, unknown>;

/** The longest socket path: sun_path holds 108 bytes with the terminating NUL. */
export const MAX_SOCKET_PATH = 107;

const isMechanism = (key: string): boolean => (MECHANISMS as readonly string[]).includes(key);
/** "a, b or c" (or "and"). */
const list = (keys: readonly string[], word = 'or'): string => (keys.length < 2 ? keys.join('') : `${keys.slice(0, -1).join(', ')} ${word} ${keys.at(-1)}`);
const orList = (keys: readonly string[]): string => list(keys);

/** Checks one `ready` (→ DraftReady), `liveness` or `startup` (→ DraftProbe) table. */
export function checkProbe(node: TNode, role: ProbeRole, fields: Fields, path: string, issues: Issues, bad: Bad, checkTable: CheckTable): Out {
  const allowed = MECHANISMS.filter((m) => Object.hasOwn(fields, m));
  if (node.kind !== 'table') {
    const m = node.kind === 'string' && allowed.find((a) => a === node.value);
    return bad(m ? { hint: `write ${role} = { ${m} = ${m === 'notify' || m === 'file' ? 'true' : '…'} }` } : { expected: `a table naming one of ${orList(allowed)}, like ${role} = { tcp = 8080 }` });
  }
  const before = issues.list.length;
  const entries = [...node.entries.values()];
  const chosen: TEntry[] = [];
  for (const e of entries.filter((x) => isMechanism(x.key))) {
    if (Object.hasOwn(fields, e.key)) chosen.push(e);
    else issues.add(e.keyLoc, join(path, e.key), { message: `${role} takes a probe: ${orList(PROBES)}`, hint: `${e.key} only tells when the service is ready: use it in ready` });
  }
  if (chosen.length > 1) {
    issues.add(chosen[1]!.keyLoc, path, {
      message: `${role} takes one mechanism, got ${list(chosen.map((e) => JSON.stringify(e.key)), 'and')}`,
      hint: `keep one of them${role === 'ready' ? '; a probe can also go in liveness' : ''}`,
    });
  } else if (entries.every((e) => !isMechanism(e.key))) {
    issues.add(node.loc, path, {
      message: `${role} needs a mechanism: ${orList(allowed)}`,
      hint: role === 'ready' ? 'e.g. ready = { tcp = 8080 }; leave ready out to count the service ready once spawned' : `e.g. ${role} = { http = "http://127.0.0.1:8080/health" }`,
    });
  }
  const first = chosen[0]?.key;
  const probe = chosen.length === 0 || chosen.some((e) => PROBES.includes(e.key));
  const http = chosen.length === 0 || chosen.some((e) => e.key === 'http');
  const kept = new Map<string, TEntry>();
  for (const e of entries) {
    const field = join(path, e.key);
    if (!Object.hasOwn(fields, e.key)) {
      if (isMechanism(e.key)) continue; // reported above
      const known = Object.keys(fields);
      issues.add(e.keyLoc, field, { message: `unknown key ${JSON.stringify(e.key)}`, hint: didYouMean(e.key, known) ?? `valid keys here: ${known.join(', ')}` });
    } else if (TIMING.includes(e.key) && !probe) {
      issues.add(e.keyLoc, field, { message: `only probes take ${e.key}; ${first} is not a probe`, hint: `remove ${e.key}, or use a probe: ${orList(PROBES)}` });
    } else if (e.key === STATUS && !http) {
      issues.add(e.keyLoc, field, { message: `only http takes status; ${first} is not http`, hint: 'remove status' });
    } else {
      kept.set(e.key, e);
    }
  }
  // With one mechanism, check its keys and fill their defaults; otherwise just check what is there.
  const keys = chosen.length === 1 ? [first!, ...(probe ? TIMING : []), ...(first === 'http' ? [STATUS] : [])] : [...kept.keys()];
  const only = Object.fromEntries(keys.map((k) => [k, fields[k]!]));
  const out = checkTable({ ...node, entries: kept }, only, path, issues);
  if (issues.list.length > before) return BAD;
  const value = out[first!];
  if (role === 'ready') {
    switch (first) {
      case 'notify': return { kind: 'notify' };
      case 'file': return { kind: 'file' };
      case 'fd': return { kind: 'fd', fd: value as number };
      case 'log': return { kind: 'log', pattern: value as string };
    }
  }
  const target = first === 'tcp' ? { type: 'tcp', ...(value as { host: string; port: number }) }
    : first === 'http' ? { type: 'http', url: value as string, statusMin: (out[STATUS] as StatusRange).min, statusMax: (out[STATUS] as StatusRange).max }
    : first === 'unix' ? { type: 'unix', path: value as Located }
    : { type: 'exec', argv: value as string[] };
  const draft = {
    target,
    interval: out['interval'],
    timeout: out['timeout'],
    initialDelay: out['initialDelay'],
    successThreshold: out['successThreshold'],
    failureThreshold: out['failureThreshold'],
  } as DraftProbe;
  return role === 'ready' ? ({ kind: 'probe', probe: draft } satisfies DraftReady) : draft;
}

/** Resolves a unix probe's path against `dir` (the defining file's directory); reports a path
 *  too long for a socket address. */
export function placeProbe(p: DraftProbe, dir: string, field: string, issues: Issues): ProbeSpec {
  if (p.target.type !== 'unix') return p as ProbeSpec;
  const { value, loc } = p.target.path;
  const path = resolve(dir, value);
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH) {
    issues.add(loc, join(field, 'unix'), {
      message: `socket path ${path} is ${bytes} bytes long; a unix socket address holds at most ${MAX_SOCKET_PATH}`,
      received: JSON.stringify(value),
      hint: 'use a shorter path, e.g. under /run or /tmp',
    });
  }
  return { ...p, target: { type: 'unix', path } };
}

/** placeProbe for a readiness spec; no `ready` → `{ kind: 'none' }`. */
export function placeReady(r: DraftReady | undefined, dir: string, field: string, issues: Issues): ReadySpec {
  if (r === undefined) return { kind: 'none' };
  return r.kind === 'probe' ? { kind: 'probe', probe: placeProbe(r.probe, dir, field, issues) } : r;
}
