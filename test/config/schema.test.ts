import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configJsonSchema } from '../../src/config/index.js';
import { DURATION_PATTERN } from '../../src/config/duration.js';
import { SIZE_PATTERN } from '../../src/config/size.js';
import { loadOk } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking untyped JSON
type S = Record<string, any>;

/** Keys allowed only when kind = "timer". */
const TIMER_ONLY = ['schedule', 'every', 'timezone', 'overlap', 'max_runs', 'run_on_start'];
const IS_TIMER = { properties: { kind: { const: 'timer' } }, required: ['kind'] };

test('schema/kelpie.schema.json is in sync (regenerate: node --import tsx src/config/schema-write.ts)', () => {
  const committed = JSON.parse(readFileSync(new URL('../../schema/kelpie.schema.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(committed, configJsonSchema());
});

test('the schema describes every key, closes every table, and carries defaults', () => {
  const s = configJsonSchema() as S;
  assert.equal(s['$schema'], 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(s['additionalProperties'], false);
  const service = s['properties'].services.additionalProperties as S;
  assert.equal(service['required'], undefined, 'command is required unless kind = "target"');
  assert.deepEqual(service['allOf'], [
    {
      // A multi-process or a remote service has no command either.
      if: { anyOf: [{ properties: { kind: { const: 'target' } }, required: ['kind'] }, { required: ['processes'] }, { required: ['remote'] }] },
      then: { not: { required: ['command'] } },
      else: { required: ['command'] },
    },
    { if: { properties: { kind: { enum: ['oneshot', 'target', 'timer'] } }, required: ['kind'] }, then: { not: { required: ['processes'] } } },
    { if: { properties: { kind: { enum: ['oneshot', 'target', 'timer'] } }, required: ['kind'] }, then: { not: { required: ['remote'] } } },
    { if: { properties: { kind: { enum: ['target', 'timer'] } }, required: ['kind'] }, then: { not: { required: ['ready'] } } },
    { if: { properties: { kind: { enum: ['target', 'timer', 'oneshot'] } }, required: ['kind'] }, then: { not: { required: ['pid_file'] } } },
    { if: { properties: { kind: { enum: ['target', 'timer'] } }, required: ['kind'] }, then: { not: { required: ['sockets'] } } },
    { if: { properties: { kind: { enum: ['target', 'timer', 'oneshot'] } }, required: ['kind'] }, then: { not: { required: ['watchdog'] } } },
    { if: { properties: { kind: { enum: ['oneshot', 'target', 'timer'] } }, required: ['kind'] }, then: { not: { required: ['liveness'] } } },
    { if: { properties: { kind: { enum: ['target', 'timer'] } }, required: ['kind'] }, then: { not: { required: ['startup'] } } },
    ...TIMER_ONLY.map((key) => ({ if: IS_TIMER, else: { not: { required: [key] } } })),
    { if: IS_TIMER, then: { oneOf: [{ required: ['schedule'] }, { required: ['every'] }] } },
    { if: { required: ['every'] }, then: { not: { required: ['timezone'] } } },
  ]);
  assert.equal(service['additionalProperties'], false);
  assert.equal(service['properties'].restart.default, 'on-failure');
  assert.deepEqual(service['properties'].restart.enum, ['always', 'on-failure', 'never']);
  assert.equal(service['properties'].backoff.properties.initial.default, '100ms');
  assert.equal(s['properties'].log.properties.max_size.default, '10MB');
  const walk = (node: S, path: string): void => {
    if (node['type'] === 'object' && node['properties']) {
      assert.equal(node['additionalProperties'], false, path);
      for (const [k, v] of Object.entries(node['properties'] as S)) {
        assert.ok(typeof (v as S)['description'] === 'string' && (v as S)['description'] !== '', `${path}.${k} has a description`);
        walk(v as S, `${path}.${k}`);
      }
    }
    if (node['additionalProperties'] && typeof node['additionalProperties'] === 'object') walk(node['additionalProperties'] as S, `${path}.*`);
  };
  walk(s, '');
});

test('schema patterns accept what the loader accepts', () => {
  for (const d of ['100ms', '1m30s', '1.5s', '1d']) assert.match(d, new RegExp(DURATION_PATTERN));
  for (const z of ['10MB', '512KB', '1gb', '2MiB', '100B']) assert.match(z, new RegExp(SIZE_PATTERN));
});

test('the schema defaults, written into a file, load to the documented defaults', () => {
  const s = configJsonSchema() as S;
  const svc = s['properties'].services.additionalProperties.properties as S;
  const lines = ['[services.x]', 'command = "x"'];
  for (const [k, v] of Object.entries(svc)) if ((v as S)['default'] !== undefined && !TIMER_ONLY.includes(k)) lines.push(`${k} = ${JSON.stringify((v as S)['default'])}`);
  for (const table of ['backoff', 'start_limit', 'stop']) {
    const props = Object.entries(svc[table].properties as S).map(([k, v]) => `${k} = ${JSON.stringify((v as S)['default'])}`);
    lines.push(`${table} = { ${props.join(', ')} }`);
  }
  const explicit = loadOk({ 'kelpie.toml': lines.join('\n') }).config.services['x']!;
  const implicit = loadOk({ 'kelpie.toml': '[services.x]\ncommand = "x"\n' }).config.services['x']!;
  assert.deepEqual({ ...explicit, cwd: '', env: {}, source: null }, { ...implicit, cwd: '', env: {}, source: null });
});

test('dependency keys in the schema: names follow the service-name grammar, requires items are names or tables', () => {
  const service = (configJsonSchema() as S)['properties'].services.additionalProperties.properties as S;
  assert.deepEqual(service['kind'].enum, ['longrun', 'oneshot', 'target', 'timer']);
  assert.equal(service['wants'].items.pattern, '^[a-zA-Z0-9][a-zA-Z0-9_.@-]*$');
  assert.equal(service['provides'].uniqueItems, true);
  const [name, table] = service['requires'].items.anyOf as S[];
  assert.equal(name!['maxLength'], 64);
  assert.deepEqual(table!['required'], ['service']);
  assert.equal(table!['additionalProperties'], false);
  assert.deepEqual(table!['properties'].condition.enum, ['started', 'ready', 'completed']);
  assert.equal(table!['properties'].service.pattern, name!['pattern']);
  assert.equal(service['on_dependency_restart'].default, 'ignore');
});
