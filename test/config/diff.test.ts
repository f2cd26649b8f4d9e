import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffServices } from '../../src/config/diff.js';
import type { ServiceSpec } from '../../src/config/types.js';

function spec(name: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name, command: ['sleep', '1'], cwd: '/tmp', env: {}, autostart: true, restart: 'on-failure',
    backoff: { initial: 100, max: 30000, resetAfter: 60000 }, startLimit: { burst: 5, interval: 10000 },
    successCodes: [0], noRestartCodes: [125], stop: { signal: 'SIGTERM', timeout: 10000 },
    log: { maxBytes: 1 << 20, keep: 5 }, source: { file: '/tmp/kelpie.toml', line: 1 }, ...over,
  } as ServiceSpec;
}

test('diff sorts services into added, removed, changed (with restart need) and unchanged', () => {
  const cur = { a: spec('a'), b: spec('b'), c: spec('c'), d: spec('d') };
  const next = {
    a: spec('a', { source: { file: '/tmp/kelpie.toml', line: 40 } }),
    b: spec('b', { command: ['sleep', '2'] }),
    c: spec('c', { restart: 'always', log: { maxBytes: 1024, keep: 1 } }),
    e: spec('e'),
  };
  const plan = diffServices(cur, next);
  assert.deepEqual(plan.added, ['e']);
  assert.deepEqual(plan.removed, ['d']);
  assert.deepEqual(plan.unchanged, ['a']);
  assert.deepEqual(plan.changed, [
    { name: 'b', fields: ['command'], restart: true },
    { name: 'c', fields: ['restart', 'log'], restart: false },
  ]);
});

test('env and cwd changes need a restart', () => {
  const plan = diffServices({ a: spec('a') }, { a: spec('a', { env: { X: '1' }, cwd: '/' }) });
  assert.deepEqual(plan.changed, [{ name: 'a', fields: ['cwd', 'env'], restart: true }]);
});
