// [dashboard]: the listener address and the metrics switch, validated like every other key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBad, loadOk, only } from './helpers.js';

const svc = '[services.web]\ncommand = "true"\n';

test('[dashboard] accepts loopback and other addresses, IPv6 in brackets, and metrics = true', () => {
  for (const listen of ['127.0.0.1:0', '127.0.0.1:9090', '[::1]:8080', 'localhost:0', '0.0.0.0:9100']) {
    const { config } = loadOk({ 'kelpie.toml': `[dashboard]\nlisten = "${listen}"\nmetrics = true\n${svc}` });
    assert.deepEqual(config.global.dashboard, { listen, metrics: true });
  }
});

test('[dashboard] refuses a malformed listen address, a port past 65535 and unknown keys, naming the field', () => {
  for (const listen of ['127.0.0.1', ':80', 'example.com:80', '127.0.0.1:65536', '::1:80', '127.0.0.1:http']) {
    const { issues } = loadBad({ 'kelpie.toml': `[dashboard]\nlisten = "${listen}"\n${svc}` });
    const i = only(issues, 'dashboard.listen');
    assert.match(i.expected ?? '', /HOST:PORT/);
    assert.equal(i.received, JSON.stringify(listen));
  }
  const { issues } = loadBad({ 'kelpie.toml': `[dashboard]\nport = 80\n${svc}` });
  assert.match(only(issues, 'dashboard.port').message, /unknown|not allowed|port/);
});

test('[dashboard] belongs to the main file only', () => {
  const { issues } = loadBad({ 'kelpie.toml': `include = ["more.toml"]\n${svc}`, 'more.toml': '[dashboard]\nmetrics = true\n' });
  assert.match(only(issues, 'dashboard').message, /only allowed in the main config file/);
});
