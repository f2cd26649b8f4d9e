// JSON Schema (draft 2020-12) for kelpie.toml, generated from the same field table the
// validator uses (fields.ts). Editors with TOML + JSON Schema support (taplo) can use it.
import { DURATION_PATTERN } from './duration.js';
import { SERVICE_NAME_MAX, SERVICE_NAME_PATTERN, topFields, type Field, type Fields, type Kind } from './fields.js';
import { MECHANISMS, PROBES, STATUS, TIMING, type ProbeValue } from './probe-fields.js';
import { SIZE_PATTERN } from './size.js';

type Schema = Record<string, unknown>;

/** The JSON Schema of a kelpie config file (the main file; included files use the `services` part). */
export function configJsonSchema(): object {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'kelpie configuration',
    description: 'kelpie.toml: services kelpie supervises, and daemon-wide settings. See docs/config.md.',
    ...table(topFields),
  };
}

function table(fields: Fields, extra: readonly object[] = []): Schema {
  const required = Object.entries(fields).filter(([, f]) => f.required).map(([k]) => k);
  const conditional = [
    ...Object.entries(fields).flatMap(([k, f]) => [
      ...(f.requiredUnless ? [requiredUnless(k, f.requiredUnless)] : []),
      ...(f.forbiddenWhen ? [forbiddenWhen(k, f.forbiddenWhen)] : []),
      ...(f.onlyWhen ? [onlyWhen(k, f.onlyWhen)] : []),
    ]),
    ...extra,
  ];
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, field(f)])),
    ...(required.length > 0 && { required }),
    ...(conditional.length > 0 && { allOf: conditional }),
    additionalProperties: false,
  };
}

/** `key` is required unless `rule.key` is `rule.value`, and then it is not allowed. */
function requiredUnless(key: string, rule: NonNullable<Field['requiredUnless']>): Schema {
  const is = { properties: { [rule.key]: { const: rule.value } }, required: [rule.key] };
  const alts = (rule.orPresent ?? []).map((a) => ({ required: [a.key] }));
  return {
    if: alts.length ? { anyOf: [is, ...alts] } : is,
    then: { not: { required: [key] } },
    else: { required: [key] },
  };
}

/** `key` is not allowed when `rule.key` is one of `rule.values`. */
function forbiddenWhen(key: string, rule: NonNullable<Field['forbiddenWhen']>): Schema {
  return { if: { properties: { [rule.key]: { enum: [...rule.values] } }, required: [rule.key] }, then: { not: { required: [key] } } };
}

/** `key` is allowed only when `rule.key` is `rule.value` (a left-out `rule.key` takes its default,
 *  which is not `rule.value`). */
function onlyWhen(key: string, rule: NonNullable<Field['onlyWhen']>): Schema {
  return { if: { properties: { [rule.key]: { const: rule.value } }, required: [rule.key] }, else: { not: { required: [key] } } };
}

const has = (key: string): Schema => ({ required: [key] });

/** A readiness or probe table: exactly one mechanism; timing keys only with a probe, status only with http. */
function probe(fields: Fields): Schema {
  const mechanisms = MECHANISMS.filter((m) => Object.hasOwn(fields, m));
  const others = mechanisms.filter((m) => !PROBES.includes(m));
  return {
    ...table(fields),
    oneOf: mechanisms.map(has),
    allOf: [
      ...(others.length > 0 ? [{ if: { anyOf: others.map(has) }, then: { not: { anyOf: TIMING.map(has) } } }] : []),
      { if: { not: has('http') }, then: { not: has(STATUS) } },
    ],
  };
}

const PROBE_VALUES: Readonly<Record<ProbeValue, Schema>> = {
  true: { const: true },
  regex: { type: 'string', minLength: 1, format: 'regex' },
  tcp: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.-]+):[0-9]{1,5}$' }] },
  url: { type: 'string', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]' },
  status: { anyOf: [{ type: 'integer', minimum: 100, maximum: 599 }, { type: 'string', pattern: '^[1-5][0-9]{2}(-[1-5][0-9]{2})?$' }] },
  path: { type: 'string', minLength: 1 },
  argv: { type: 'array', prefixItems: [{ type: 'string', minLength: 1 }], items: { type: 'string' }, minItems: 1 },
};

function field(f: Field): Schema {
  return { description: f.doc, ...kind(f.kind), ...(f.default !== undefined && { default: f.default }) };
}

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } };
const name = { type: 'string', pattern: SERVICE_NAME_PATTERN, maxLength: SERVICE_NAME_MAX };

function kind(k: Kind): Schema {
  switch (k.k) {
    case 'string': return { type: 'string' };
    case 'boolean': return { type: 'boolean' };
    case 'integer': return { type: 'integer', minimum: k.min, maximum: k.max };
    case 'enum': return { type: 'string', enum: [...k.values] };
    case 'duration': return { type: 'string', pattern: DURATION_PATTERN };
    case 'size': return { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: SIZE_PATTERN }] };
    case 'signal': return { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9+]*$' };
    case 'command': return { anyOf: [{ type: 'string', minLength: 1 }, { ...stringList, minItems: 1 }] };
    case 'paths': return { anyOf: [{ type: 'string', minLength: 1 }, stringList] };
    case 'env': return { type: 'object', additionalProperties: { type: 'string' } };
    case 'integers': return { type: 'array', items: { type: 'integer', minimum: k.min, maximum: k.max } };
    case 'names': return { type: 'array', items: name, uniqueItems: true };
    case 'deps': {
      const t = table(k.fields);
      const props = { ...(t['properties'] as Schema), service: { ...(t['properties'] as Record<string, Schema>)['service'], ...name } };
      return { type: 'array', items: { anyOf: [name, { ...t, properties: props }] } };
    }
    case 'table': return table(k.fields, k.schema);
    case 'tables': return { type: 'array', minItems: 1, items: table(k.fields) };
    case 'cron': return { type: 'string', minLength: 1 };
    case 'timezone': return { type: 'string', minLength: 1 };
    case 'probe': return probe(k.fields);
    case 'probeValue': return PROBE_VALUES[k.v];
    case 'map':
      return {
        type: 'object',
        propertyNames: { pattern: k.keyPattern, maxLength: k.keyMaxLength },
        additionalProperties: field(k.value),
      };
  }
}
