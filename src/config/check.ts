// Validates a located TOML tree against the field table (fields.ts), converting values
// (durations to ms, sizes to bytes, …) and filling defaults. Reports every problem found.
import { parseDuration, formatDuration } from './duration.js';
import { parseSize } from './size.js';
import { normaliseSignal, signalNames } from './signal.js';
import { render } from './toml.js';
import { didYouMean, type Issues } from './issues.js';
import { deepFreeze } from './freeze.js';
import { checkDeps, checkNames } from './refs.js';
import { checkProbe } from './probe.js';
import { checkProbeValue, describeProbeValue } from './probe-values.js';
import { checkSchedule, checkTimezone } from './timer.js';
import { BAD, checkCommand, checkEnv, checkInt, intRange, join, plain, type Bad, type Out } from './values.js';
import type { Field, Fields, Kind } from './fields.js';
import type { Loc, TNode, TTable } from './toml.js';

/** A string value with the place it was written (paths are resolved later, errors point here). */
export interface Located {
  readonly value: string;
  readonly loc: Loc;
}

/** One entry of a `map` kind, e.g. one service. */
export interface MapEntry {
  readonly key: string;
  readonly keyLoc: Loc;
  readonly loc: Loc;
  readonly value: Record<string, unknown>;
}

/** What a kind accepts, in words, for "expected …". */
export function describe(kind: Kind): string {
  switch (kind.k) {
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'integer': return intRange(kind.min, kind.max);
    case 'enum': return `one of ${kind.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'duration': return 'a duration like "100ms", "10s", "5m", "1h", "1d" or "1m30s"';
    case 'size': return 'a size like "512KB", "10MB", "1GB" or a whole number of bytes';
    case 'signal': return 'a signal name like "SIGTERM" or "TERM"';
    case 'command': return 'a non-empty string or a non-empty array of strings';
    case 'paths': return 'a path or an array of paths';
    case 'env': return 'a table of strings, like { NAME = "value" }';
    case 'integers': return `an array of integers from ${kind.min} to ${kind.max}`;
    case 'names': return 'an array of service names';
    case 'deps': return 'an array of service names or tables like { service = "db", condition = "ready" }';
    case 'tables': return 'an array of tables';
    case 'table': case 'probe': return 'a table';
    case 'probeValue': return describeProbeValue(kind.v);
    case 'map': return 'a table of named tables';
    case 'cron': return 'a cron expression like "*/5 * * * *", or a nickname like "@hourly"';
    case 'timezone': return 'an IANA time zone like "Europe/Berlin" or "UTC"';
  }
}

/** Checks every key of `node` against `fields`; unknown keys, missing required keys and bad values are reported. */
export function checkTable(node: TTable, fields: Fields, path: string, issues: Issues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const shape = shapeOf(fields);
  for (const e of node.entries.values()) {
    if (Object.hasOwn(fields, e.key)) continue;
    const hint = didYouMean(e.key, shape.keys) ?? nestedHint(e.key, fields) ?? `valid keys here: ${shape.keys.join(', ')}`;
    issues.add(e.keyLoc, join(path, e.key), { message: `unknown key ${JSON.stringify(e.key)}`, hint });
  }
  for (const [key, field] of shape.entries) {
    const prop = field.prop ?? key;
    const entry = node.entries.get(key);
    const v = entry ? checkValue(entry.node, field, join(path, key), issues) : absent(node, key, field, path, issues);
    if (v !== BAD && v !== undefined) out[prop] = v;
  }
  for (const [key, field] of shape.ruled) checkSiblingRules(node, key, field, fields, out, path, issues);
  return out;
}

/** What checkTable needs of a set of fields, worked out once per set (a config checks each set once per service). */
interface Shape {
  readonly keys: readonly string[];
  readonly entries: ReadonlyArray<readonly [string, Field]>;
  /** The fields with a rule that depends on a sibling's value. */
  readonly ruled: ReadonlyArray<readonly [string, Field]>;
}

const shapes = new WeakMap<Fields, Shape>();

function shapeOf(fields: Fields): Shape {
  let s = shapes.get(fields);
  if (!s) {
    const entries = Object.entries(fields);
    s = { keys: Object.keys(fields), entries, ruled: entries.filter(([, f]) => f.forbiddenWhen || f.onlyWhen || f.requiredUnless) };
    shapes.set(fields, s);
  }
  return s;
}

/** requiredUnless, forbiddenWhen and onlyWhen: rules that depend on another key's value. Skipped
 *  when that key itself was invalid (already reported). */
function checkSiblingRules(node: TTable, key: string, field: Field, fields: Fields, out: Record<string, unknown>, path: string, issues: Issues): void {
  const entry = node.entries.get(key);
  const value = (k: string): unknown => out[fields[k]?.prop ?? k];
  const notAllowed = (k: string, v: unknown, hint: string): void =>
    issues.add(entry!.keyLoc, join(path, key), { message: `${JSON.stringify(key)} is not allowed when ${k} = ${JSON.stringify(v)}`, hint });
  const never = field.forbiddenWhen;
  if (never && entry && never.values.includes(value(never.key) as string)) {
    const v = value(never.key) as string;
    notAllowed(never.key, v, typeof never.hint === 'string' ? never.hint : (never.hint[v] ?? ''));
  }
  const only = field.onlyWhen;
  const actual = only && value(only.key);
  if (only && entry && actual !== undefined && actual !== only.value) {
    const given = node.entries.has(only.key) ? '' : ' (the default)';
    issues.add(entry.keyLoc, join(path, key), {
      message: `${JSON.stringify(key)} is only allowed when ${only.key} = ${JSON.stringify(only.value)}; here ${only.key} is ${JSON.stringify(actual)}${given}`,
      hint: only.hint,
    });
  }
  const rule = field.requiredUnless;
  const other = rule && value(rule.key);
  if (!rule || other === undefined) return;
  const alt = rule.orPresent?.find((a) => node.entries.has(a.key));
  if (alt) {
    if (entry) issues.add(entry.keyLoc, join(path, key), { message: `${JSON.stringify(key)} is not allowed with ${JSON.stringify(alt.key)}`, hint: alt.hint });
    return;
  }
  if (other === rule.value && entry) notAllowed(rule.key, rule.value, rule.hint);
  else if (other !== rule.value && !entry) issues.add(node.loc, join(path, key), { message: `missing required key ${JSON.stringify(key)}`, expected: describe(field.kind) });
}

/** For a key that belongs one level down, e.g. `timeout` in a service → `stop = { timeout = … }`. */
function nestedHint(key: string, fields: Fields): string | undefined {
  for (const [name, f] of Object.entries(fields)) {
    if ((f.kind.k === 'table' || f.kind.k === 'probe') && Object.hasOwn(f.kind.fields, key)) return `${JSON.stringify(key)} belongs in ${name}: write ${name} = { ${key} = … }`;
  }
  return undefined;
}

function absent(parent: TTable, key: string, field: Field, path: string, issues: Issues): Out {
  if (field.required) {
    issues.add(parent.loc, join(path, key), { message: `missing required key ${JSON.stringify(key)}`, expected: describe(field.kind) });
    return BAD;
  }
  // Defaults are the same for every service: checked once, then shared (frozen, so no
  // service's copy can change another's).
  if (defaults.has(field)) return defaults.get(field);
  let v: Out;
  if (field.default !== undefined) v = checkValue(plain(field.default, parent.loc), field, join(path, key), issues);
  // A left-out table gets its defaults, unless it has required keys (remote): then it is absent.
  else if (field.kind.k === 'table' && !Object.values(field.kind.fields).some((f) => f.required)) v = checkTable(plain({}, parent.loc) as TTable, field.kind.fields, join(path, key), issues);
  else return undefined;
  if (v !== BAD) defaults.set(field, deepFreeze(v));
  return v;
}

const defaults = new WeakMap<Field, Out>();

function checkValue(node: TNode, field: Field, path: string, issues: Issues): Out {
  const kind = field.kind;
  const bad = (extra: { expected?: string; hint?: string; at?: TNode } = {}): typeof BAD => {
    const where = extra.at ?? node;
    issues.add(where.loc, path, { expected: extra.expected ?? describe(kind), received: render(where), ...(extra.hint && { hint: extra.hint }) });
    return BAD;
  };
  switch (kind.k) {
    case 'string':
      return node.kind === 'string' ? node.value : bad();
    case 'boolean':
      if (node.kind === 'boolean') return node.value;
      return bad(node.kind === 'string' && /^(true|false)$/i.test(node.value) ? { hint: `drop the quotes: ${node.value.toLowerCase()}` } : {});
    case 'integer':
      return checkInt(node, kind.min, kind.max, bad);
    case 'enum': {
      if (node.kind === 'string' && kind.values.includes(node.value)) return node.value;
      const hint = node.kind === 'string' ? didYouMean(node.value, kind.values) : undefined;
      return bad(hint ? { hint } : {});
    }
    case 'duration': {
      const r = parseDuration(node.kind === 'string' || node.kind === 'integer' || node.kind === 'float' ? node.value : undefined);
      if (!r.ok) return bad({ expected: r.expected, ...(r.hint && { hint: r.hint }) });
      if (r.value < kind.min) return bad({ expected: `a duration of at least ${formatDuration(kind.min)}` });
      return r.value;
    }
    case 'size': {
      const r = parseSize(node.kind === 'string' || node.kind === 'integer' || node.kind === 'float' ? node.value : undefined);
      return r.ok ? r.value : bad({ expected: r.expected, ...(r.hint && { hint: r.hint }) });
    }
    case 'signal': {
      if (node.kind !== 'string') return bad();
      const sig = normaliseSignal(node.value);
      if (sig) return sig;
      // The suggestion only for a bad name: it costs an edit distance to every signal name.
      const upper = node.value.trim().toUpperCase();
      const hint = didYouMean(upper.startsWith('SIG') ? upper : `SIG${upper}`, signalNames());
      return bad(hint ? { hint } : {});
    }
    case 'command':
      return checkCommand(node, bad);
    case 'paths': {
      const items = node.kind === 'array' ? node.items : [node];
      const out: Located[] = [];
      let ok = true;
      for (const [i, item] of items.entries()) {
        if (item.kind === 'string' && item.value !== '' && !item.value.includes('\0')) out.push({ value: item.value, loc: item.loc });
        else ok = (issues.add(item.loc, node.kind === 'array' ? `${path}[${i}]` : path, { expected: 'a non-empty path', received: render(item) }), false);
      }
      return ok ? out : BAD;
    }
    case 'env':
      return checkEnv(node, path, issues, bad);
    case 'names':
      return checkNames(node, path, issues, bad);
    case 'deps':
      return checkDeps(node, kind.fields, path, issues, bad, checkTable);
    case 'tables': {
      if (node.kind !== 'array' || node.items.length === 0) return bad({ expected: 'a non-empty array of tables' });
      const out: Record<string, unknown>[] = [];
      for (const [i, item] of node.items.entries()) {
        if (item.kind !== 'table') {
          issues.add(item.loc, `${path}[${i}]`, { expected: 'a table', received: render(item) });
          continue;
        }
        out.push(checkTable(item, kind.fields, `${path}[${i}]`, issues));
      }
      return out.length === node.items.length ? out : BAD;
    }
    case 'integers': {
      if (node.kind !== 'array') return bad();
      const out: number[] = [];
      for (const [i, item] of node.items.entries()) {
        const v = checkInt(item, kind.min, kind.max, (e = {}) => {
          issues.add(item.loc, `${path}[${i}]`, { expected: e.expected ?? `an integer from ${kind.min} to ${kind.max}`, received: render(item) });
          return BAD;
        });
        if (v !== BAD) out.push(v as number);
      }
      return out.length === node.items.length ? [...new Set(out)] : BAD;
    }
    case 'table': {
      if (node.kind !== 'table') return bad();
      const out = checkTable(node, kind.fields, path, issues);
      kind.check?.(node, out, path, issues);
      const broken = kind.refine?.(out);
      if (broken) {
        const at = node.entries.get(broken.key)?.node ?? node;
        issues.add(at.loc, join(path, broken.key), { expected: broken.expected, received: render(at) });
        return BAD;
      }
      return out;
    }
    case 'probe':
      return checkProbe(node, kind.role, kind.fields, path, issues, bad, checkTable);
    case 'probeValue':
      return checkProbeValue(node, kind.v, path, issues, bad);
    case 'map':
      return checkMap(node, kind, path, issues, bad);
    case 'cron':
      return checkSchedule(node, path, issues, bad);
    case 'timezone':
      return checkTimezone(node, bad);
  }
}

function checkMap(node: TNode, kind: Extract<Kind, { k: 'map' }>, path: string, issues: Issues, bad: Bad): Out {
  if (node.kind !== 'table') return bad();
  const re = new RegExp(kind.keyPattern);
  const out: MapEntry[] = [];
  for (const e of node.entries.values()) {
    const field = join(path, e.key);
    const nameOk = re.test(e.key) && e.key.length <= kind.keyMaxLength;
    if (!nameOk) {
      issues.add(e.keyLoc, field, {
        message: `invalid name ${JSON.stringify(e.key)}`,
        expected: `a name matching ${kind.keyPattern}, at most ${kind.keyMaxLength} characters`,
        received: JSON.stringify(e.key),
      });
    }
    const v = checkValue(e.node, kind.value, field, issues); // checked even when the name is bad: report everything
    if (nameOk && v !== BAD) out.push({ key: e.key, keyLoc: e.keyLoc, loc: e.node.loc, value: v as Record<string, unknown> });
  }
  return out;
}
