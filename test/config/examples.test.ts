// Every example config in examples/ loads without a problem: the README's quick start and
// the container and systemd examples point people at them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/index.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');

test('every examples/*/kelpie.toml loads with no issue', () => {
  const files = readdirSync(EXAMPLES)
    .map((d) => join(EXAMPLES, d, 'kelpie.toml'))
    .filter((f) => existsSync(f));
  assert.ok(files.includes(join(EXAMPLES, 'quickstart', 'kelpie.toml')), 'the quick start example is missing');
  for (const f of files) {
    const r = loadConfig(f);
    assert.ok(r.ok, `${f}: ${r.ok ? '' : r.issues.map((i) => `${i.line}: ${i.field}: ${i.message}`).join('; ')}`);
    assert.ok(Object.keys(r.config.services).length > 0, `${f} defines no service`);
  }
});
