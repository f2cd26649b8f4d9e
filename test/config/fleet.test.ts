// The fleet keys of a config: [api] listen, [remotes], and remote services. Every problem
// names the file, line and field; a capability in a URL is never echoed back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBad, loadOk } from './helpers.js';

const FP = 'hl2yazvzvsdeyokeix46w2hjql3jkkblargcxgsmel4e2gyzi4vq';
const URL_A = `kelpie://${FP}@127.0.0.1:7443/kelpie-cap-v1.eyJpZCI6IjAwIn0.c2lnbmF0dXJl`;

// The user's remotes file must not leak in from whoever runs the tests.
process.env.KELPIE_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'kelpie-remotes-'));
test.after(() => rmSync(process.env.KELPIE_CONFIG_HOME!, { recursive: true, force: true }));

test('a remote service needs no command and names a node of [remotes]', () => {
  const { config } = loadOk({
    'kelpie.toml': `[api]\nlisten = "127.0.0.1:0"\n\n[remotes]\na = "${URL_A}"\n\n[services.web-a]\nremote = { node = "a", service = "web" }\n\n[services.fleet]\nkind = "target"\nrequires = ["web-a"]\n`,
  });
  assert.equal(config.global.listen, '127.0.0.1:0');
  assert.deepEqual({ ...config.global.remotes }, { a: URL_A });
  const web = config.services['web-a']!;
  assert.deepEqual({ ...web.remote }, { node: 'a', service: 'web' });
  assert.deepEqual([...web.command], []);
  assert.equal(config.services['fleet']!.remote, null);
});

test('a node known only from the user remotes file is accepted', () => {
  writeFileSync(join(process.env.KELPIE_CONFIG_HOME!, 'remotes.json'), JSON.stringify({ version: 1, remotes: { b: URL_A } }), { mode: 0o600 });
  try {
    const { config } = loadOk({ 'kelpie.toml': '[services.web-b]\nremote = { node = "b", service = "web" }\n' });
    assert.equal(config.services['web-b']!.remote!.node, 'b');
  } finally {
    rmSync(join(process.env.KELPIE_CONFIG_HOME!, 'remotes.json'));
  }
});

test('an unknown node in an included file is reported in that file', () => {
  const { issues } = loadBad({
    'kelpie.toml': 'include = ["more.toml"]\n',
    'more.toml': '\n[services.w]\nremote = { node = "nowhere", service = "web" }\n',
  });
  assert.equal(issues.length, 1);
  assert.match(issues[0]!.file, /more\.toml$/);
  assert.equal(issues[0]!.line, 2);
  assert.equal(issues[0]!.field, 'services.w.remote.node');
});

test('fleet mistakes name the file, line and field, and change nothing', () => {
  const { issues } = loadBad({
    'kelpie.toml': [
      '[api]',
      'listen = "7443"',
      '[remotes]',
      `bad = "${URL_A.replace('kelpie://', 'https://')}"`,
      '[services.x]',
      'remote = { node = "nowhere", service = "web" }',
      '[services.y]',
      'command = "true"',
      'remote = { node = "bad", service = "web" }',
      '[services.z]',
      'kind = "oneshot"',
      'command = "true"',
      'remote = { service = "web" }',
    ].join('\n'),
  });
  const by = (field: string) => issues.filter((i) => i.field === field);
  assert.match(by('api.listen')[0]!.message, /invalid listen address/);
  assert.equal(by('api.listen')[0]!.line, 2);
  assert.match(by('remotes.bad')[0]!.message, /not a capability URL: a capability URL starts with kelpie:\/\//);
  assert.equal(by('remotes.bad')[0]!.line, 4);
  assert.match(by('services.x.remote.node')[0]!.message, /no node named "nowhere" in \[remotes\]/);
  assert.match(by('services.y.command')[0]!.message, /"command" is not allowed with "remote"/);
  assert.equal(by('services.y.command')[0]!.line, 8);
  assert.match(by('services.z.remote')[0]!.message, /"remote" is not allowed when kind = "oneshot"/);
  assert.match(by('services.z.remote.node')[0]!.message, /missing required key "node"/);
  for (const i of issues) assert.ok(!JSON.stringify(i).includes('eyJ'), `an issue quotes a capability: ${JSON.stringify(i)}`);
});
