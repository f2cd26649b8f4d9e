import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../../src/config/index.js';
import { loadBad, loadOk, only } from './helpers.js';
import type { ConfigIssue, ProbeSpec, ServiceSpec } from '../../src/config/index.js';

/** A file with one service `web` whose extra lines start at line 3. */
const svc = (body: string): Record<string, string> => ({ 'kelpie.toml': `[services.web]\ncommand = "x"\n${body}\n` });
const web = (body: string): ServiceSpec => loadOk(svc(body)).config.services['web']!;
/** [line, column, message] of the one issue about `field`. */
const at = (issues: readonly ConfigIssue[], field: string): [number, number, string] => {
  const i = only(issues, field);
  return [i.line, i.column, i.message];
};
const timing = (interval: number, failureThreshold: number): Omit<ProbeSpec, 'target'> => ({
  interval, timeout: 1000, initialDelay: 0, successThreshold: 1, failureThreshold,
});

test('no readiness keys: ready when spawned, 30s timeout, no liveness or startup, restart on change', () => {
  const s = web('');
  assert.deepEqual([s.ready, s.readyTimeout, s.liveness, s.startup, s.onChange], [{ kind: 'none' }, 30_000, null, null, 'restart']);
});

test('the signalling mechanisms: notify, fd, file, log', () => {
  assert.deepEqual(web('ready = { notify = true }').ready, { kind: 'notify' });
  assert.deepEqual(web('ready = { fd = 3 }').ready, { kind: 'fd', fd: 3 });
  assert.deepEqual(web('ready = { fd = 1023 }').ready, { kind: 'fd', fd: 1023 });
  assert.deepEqual(web('ready = { file = true }').ready, { kind: 'file' });
  assert.deepEqual(web("ready = { log = 'listening on port \\d+' }").ready, { kind: 'log', pattern: 'listening on port \\d+' });
  // dotted keys and a header table work as for any table
  assert.deepEqual(web('ready.fd = 4').ready, { kind: 'fd', fd: 4 });
  assert.deepEqual(web('[services.web.ready]\nnotify = true').ready, { kind: 'notify' });
});

test('tcp probes: a port on 127.0.0.1, or host:port', () => {
  const tcp = (v: string): unknown => {
    const r = web(`ready = { tcp = ${v} }`).ready;
    return r.kind === 'probe' ? r.probe.target : r;
  };
  assert.deepEqual(tcp('6380'), { type: 'tcp', host: '127.0.0.1', port: 6380 });
  assert.deepEqual(tcp('"db.internal:5432"'), { type: 'tcp', host: 'db.internal', port: 5432 });
  assert.deepEqual(tcp('"10.0.0.2:1"'), { type: 'tcp', host: '10.0.0.2', port: 1 });
  assert.deepEqual(tcp('"[::1]:65535"'), { type: 'tcp', host: '::1', port: 65535 });
  assert.deepEqual(web('ready = { tcp = 6380 }').ready, { kind: 'probe', probe: { target: { type: 'tcp', host: '127.0.0.1', port: 6380 }, ...timing(1000, 3) } });
});

test('http probes: URL and status range (default 200-399)', () => {
  const probe = (body: string): ProbeSpec => web(body).liveness!;
  assert.deepEqual(probe('liveness = { http = "http://127.0.0.1:8080/health" }').target, {
    type: 'http', url: 'http://127.0.0.1:8080/health', statusMin: 200, statusMax: 399,
  });
  assert.deepEqual(probe('liveness = { http = "https://localhost/ping", status = 204 }').target, {
    type: 'http', url: 'https://localhost/ping', statusMin: 204, statusMax: 204,
  });
  assert.deepEqual(probe('liveness = { http = "http://[::1]:80/", status = "200-299" }').target, {
    type: 'http', url: 'http://[::1]/', statusMin: 200, statusMax: 299,
  });
  assert.equal(probe('liveness = { http = "http://x/", status = "418" }').target.type, 'http');
});

test('unix probes resolve against the directory of the defining file; exec takes argv', () => {
  const { config, dir } = loadOk({
    'kelpie.toml': 'include = ["sub/*.toml"]\n[services.a]\ncommand = "x"\nready = { unix = "run/a.sock" }\n',
    'sub/b.toml': '[services.b]\ncommand = "x"\nready = { unix = "b.sock" }\nliveness = { unix = "/run/b.sock" }\nstartup = { exec = ["./check", "--quick"] }\n',
  });
  const target = (s: string): unknown => {
    const r = config.services[s]!.ready;
    return r.kind === 'probe' ? r.probe.target : r;
  };
  assert.deepEqual(target('a'), { type: 'unix', path: join(dir, 'run/a.sock') });
  assert.deepEqual(target('b'), { type: 'unix', path: join(dir, 'sub/b.sock') });
  assert.deepEqual(config.services['b']!.liveness!.target, { type: 'unix', path: '/run/b.sock' });
  assert.deepEqual(config.services['b']!.startup!.target, { type: 'exec', argv: ['./check', '--quick'] });
});

test('probe timing defaults differ for ready, liveness and startup; every key can be set', () => {
  const s = web('ready = { tcp = 1 }\nliveness = { tcp = 2 }\nstartup = { tcp = 3 }');
  assert.deepEqual(s.ready, { kind: 'probe', probe: { target: { type: 'tcp', host: '127.0.0.1', port: 1 }, ...timing(1000, 3) } });
  assert.deepEqual(s.liveness, { target: { type: 'tcp', host: '127.0.0.1', port: 2 }, ...timing(10_000, 3) });
  assert.deepEqual(s.startup, { target: { type: 'tcp', host: '127.0.0.1', port: 3 }, ...timing(1000, 30) });
  const set = web('liveness = { exec = ["true"], interval = "5s", timeout = "250ms", initial_delay = "2s", success_threshold = 2, failure_threshold = 5 }');
  assert.deepEqual(set.liveness, { target: { type: 'exec', argv: ['true'] }, interval: 5000, timeout: 250, initialDelay: 2000, successThreshold: 2, failureThreshold: 5 });
});

test('ready_timeout and on_change', () => {
  const s = web('ready_timeout = "1m30s"\non_change = "defer"');
  assert.deepEqual([s.readyTimeout, s.onChange], [90_000, 'defer']);
  const { issues } = loadBad(svc('ready_timeout = "0s"\non_change = "later"'));
  assert.deepEqual(at(issues, 'services.web.ready_timeout'), [3, 17, 'expected a duration of at least 1ms, got "0s"']);
  assert.deepEqual(at(issues, 'services.web.on_change'), [4, 13, 'expected one of "restart", "defer", got "later"']);
});

test('exactly one mechanism: two are an error naming both, none is an error', () => {
  const { issues } = loadBad(svc('ready = { notify = true, tcp = 80 }\nliveness = { interval = "1s" }\nstartup = {}'));
  assert.deepEqual(at(issues, 'services.web.ready'), [3, 26, 'ready takes one mechanism, got "notify" and "tcp"']);
  assert.deepEqual(at(issues, 'services.web.liveness'), [4, 12, 'liveness needs a mechanism: tcp, http, unix or exec']);
  assert.deepEqual(at(issues, 'services.web.startup'), [5, 11, 'startup needs a mechanism: tcp, http, unix or exec']);
  assert.equal(issues.length, 3);
  const three = loadBad(svc('ready = { fd = 3, file = true, log = "x" }')).issues;
  assert.deepEqual(at(three, 'services.web.ready'), [3, 19, 'ready takes one mechanism, got "fd", "file" and "log"']);
  const empty = loadBad(svc('ready = {}')).issues;
  assert.match(only(empty, 'services.web.ready').message, /^ready needs a mechanism: notify, fd, file, log, tcp, http, unix or exec$/);
  assert.match(only(empty, 'services.web.ready').hint ?? '', /leave ready out/);
});

test('liveness and startup take probes only', () => {
  const { issues } = loadBad(svc('liveness = { notify = true }\nstartup = { log = "up" }'));
  assert.deepEqual(at(issues, 'services.web.liveness.notify'), [3, 14, 'liveness takes a probe: tcp, http, unix or exec']);
  assert.deepEqual(at(issues, 'services.web.startup.log'), [4, 13, 'startup takes a probe: tcp, http, unix or exec']);
  assert.equal(issues.length, 2);
});

test('timing keys only with probes, status only with http', () => {
  const { issues } = loadBad(svc('ready = { notify = true, interval = "1s", failure_threshold = 2 }\nliveness = { tcp = 80, status = 200 }'));
  assert.deepEqual(at(issues, 'services.web.ready.interval'), [3, 26, 'only probes take interval; notify is not a probe']);
  assert.deepEqual(at(issues, 'services.web.ready.failure_threshold'), [3, 43, 'only probes take failure_threshold; notify is not a probe']);
  assert.equal(only(issues, 'services.web.ready.interval').hint, 'remove interval, or use a probe: tcp, http, unix or exec');
  assert.deepEqual(at(issues, 'services.web.liveness.status'), [4, 24, 'only http takes status; tcp is not http']);
  assert.equal(issues.length, 3);
});

test('bad mechanism values name the value and what was expected', () => {
  const { issues } = loadBad(svc([
    'ready = { notify = false }', // 3
    'liveness = { tcp = 0 }', // 4
    'startup = { http = "ftp://x/" }', // 5
    '[services.a]\ncommand = "x"\nready = { fd = 2 }', // 8
    '[services.b]\ncommand = "x"\nready = { tcp = "6380" }', // 11
    '[services.c]\ncommand = "x"\nready = { tcp = "::1:6380" }', // 14
    '[services.d]\ncommand = "x"\nready = { http = "not a url", status = "399-200" }', // 17
    '[services.e]\ncommand = "x"\nready = { exec = "pg_isready" }', // 20
    '[services.f]\ncommand = "x"\nready = { exec = ["", "x"] }\nliveness = { exec = [] }', // 23, 24
    '[services.g]\ncommand = "x"\nready = { unix = "" }\nliveness = { http = "http://x/", status = 600 }', // 27, 28
    '[services.h]\ncommand = "x"\nready = { tcp = "localhost:99999" }\nliveness = { tcp = "bad host:80" }', // 31, 32
    '[services.i]\ncommand = "x"\nready = { log = "" }\nstartup = { tcp = 1, interval = "0s", success_threshold = 0 }', // 35, 36
  ].join('\n')));
  const m = (field: string): [number, number, string] => at(issues, field);
  assert.deepEqual(m('services.web.ready.notify'), [3, 20, 'expected true, got false']);
  assert.match(only(issues, 'services.web.ready.notify').hint ?? '', /leave the table out/);
  assert.deepEqual(m('services.web.liveness.tcp'), [4, 20, 'expected a port from 1 to 65535, got 0']);
  assert.deepEqual(m('services.web.startup.http'), [5, 20, 'expected an http:// or https:// URL, got "ftp://x/"']);
  assert.deepEqual(m('services.a.ready.fd'), [8, 16, 'expected an integer from 3 to 1023, got 2']);
  assert.equal(only(issues, 'services.b.ready.tcp').hint, 'drop the quotes: 6380');
  assert.equal(only(issues, 'services.c.ready.tcp').hint, 'write an IPv6 address in brackets: "[::1]:6380"');
  assert.deepEqual(m('services.d.ready.http'), [17, 18, 'expected an http:// or https:// URL, got "not a url"']);
  assert.deepEqual(m('services.d.ready.status'), [17, 40, 'expected a range from the lower status to the higher, like "200-399", got "399-200"']);
  assert.equal(only(issues, 'services.e.ready.exec').hint, 'write an array: ["/bin/sh", "-c", "pg_isready"]');
  assert.deepEqual(m('services.f.ready.exec'), [23, 19, 'expected a program name as the first element, got ""']);
  assert.deepEqual(m('services.f.liveness.exec'), [24, 21, 'expected a non-empty array of strings (the command, no shell), got []']);
  assert.deepEqual(m('services.g.ready.unix'), [27, 18, 'expected a non-empty path, got ""']);
  assert.deepEqual(m('services.g.liveness.status'), [28, 43, 'expected an HTTP status from 100 to 599, got 600']);
  assert.deepEqual(m('services.h.ready.tcp'), [31, 17, 'expected a port from 1 to 65535 after the ":", got "localhost:99999"']);
  assert.deepEqual(m('services.h.liveness.tcp'), [32, 20, 'expected a host name or IP address before the ":", got "bad host:80"']);
  assert.deepEqual(m('services.i.ready.log'), [35, 17, 'expected a regular expression (a non-empty string), got ""']);
  assert.deepEqual(m('services.i.startup.interval'), [36, 33, 'expected a duration of at least 1ms, got "0s"']);
  assert.deepEqual(m('services.i.startup.success_threshold'), [36, 59, 'expected an integer from 1 to 1000000, got 0']);
  assert.equal(issues.length, 18);
});

test('a log pattern must compile as a JavaScript RegExp; the error names the problem', () => {
  const { issues } = loadBad(svc('ready = { log = "listening (port" }\n[services.b]\ncommand = "x"\nready = { log = "a{2,1}" }'));
  const i = only(issues, 'services.web.ready.log');
  assert.deepEqual([i.line, i.column, i.message], [3, 17, 'invalid regular expression: unterminated group, got "listening (port"']);
  assert.equal(i.expected, 'a JavaScript regular expression');
  assert.match(i.hint ?? '', /backslash/);
  assert.equal(only(issues, 'services.b.ready.log').message, 'invalid regular expression: numbers out of order in {} quantifier, got "a{2,1}"');
});

test('unknown keys in a probe table get "did you mean"; mechanisms written in the service get "belongs in ready"', () => {
  const { issues } = loadBad(svc('ready = { tcp = 80, intervall = "1s" }\nliveness = { http = "http://x/", statuss = 200 }\nnotify = true'));
  assert.deepEqual(at(issues, 'services.web.ready.intervall'), [3, 21, 'unknown key "intervall"']);
  assert.equal(only(issues, 'services.web.ready.intervall').hint, 'did you mean "interval"?');
  assert.equal(only(issues, 'services.web.liveness.statuss').hint, 'did you mean "status"?');
  assert.equal(only(issues, 'services.web.notify').hint, '"notify" belongs in ready: write ready = { notify = … }');
  const { issues: typo } = loadBad(svc('liveness = { htp = "http://x/" }'));
  // the typo is reported, and so is the missing mechanism
  assert.equal(only(typo, 'services.web.liveness.htp').hint, 'did you mean "http"?');
  assert.equal(only(typo, 'services.web.liveness').message, 'liveness needs a mechanism: tcp, http, unix or exec');
});

test('ready, liveness and startup must be tables', () => {
  const { issues } = loadBad(svc('ready = "notify"\nliveness = 8080'));
  assert.deepEqual(at(issues, 'services.web.ready'), [3, 9, 'expected a table, got "notify"']);
  assert.equal(only(issues, 'services.web.ready').hint, 'write ready = { notify = true }');
  assert.deepEqual(at(issues, 'services.web.liveness'), [4, 12, 'expected a table naming one of tcp, http, unix or exec, like liveness = { tcp = 8080 }, got 8080']);
});

test('a target has no readiness, liveness or startup; a oneshot has no liveness', () => {
  const { issues } = loadBad({
    'kelpie.toml': [
      '[services.all]', // 1
      'kind = "target"',
      'ready = { notify = true }', // 3
      'liveness = { tcp = 80 }', // 4
      'startup = { tcp = 80 }', // 5
      '[services.init]',
      'kind = "oneshot"',
      'command = "x"',
      'ready = { file = true }', // 9: fine
      'startup = { tcp = 80 }', // 10: fine
      'liveness = { tcp = 80 }', // 11
    ].join('\n'),
  });
  assert.deepEqual(issues.map((i) => [i.line, i.column, i.field, i.message]), [
    [3, 1, 'services.all.ready', '"ready" is not allowed when kind = "target"'],
    [4, 1, 'services.all.liveness', '"liveness" is not allowed when kind = "target"'],
    [5, 1, 'services.all.startup', '"startup" is not allowed when kind = "target"'],
    [11, 1, 'services.init.liveness', '"liveness" is not allowed when kind = "oneshot"'],
  ]);
  assert.match(issues[0]!.hint ?? '', /a target has no process/);
});

test('a unix socket path too long for a socket address is an error at its line', () => {
  const long = `${'d'.repeat(60)}/${'s'.repeat(60)}.sock`;
  const { issues } = loadBad(svc(`liveness = { unix = "${long}" }`));
  const i = only(issues, 'services.web.liveness.unix');
  assert.deepEqual([i.line, i.column], [3, 21]);
  assert.match(i.message, /^socket path \/.* is \d+ bytes long; a unix socket address holds at most 107$/);
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking untyped JSON
type S = Record<string, any>;

test('the JSON Schema describes the readiness keys: one mechanism, timing with probes only, role defaults', () => {
  const svcSchema = (configJsonSchema() as S)['properties'].services.additionalProperties.properties as S;
  const ready = svcSchema['ready'] as S;
  assert.deepEqual(ready['oneOf'], ['notify', 'fd', 'file', 'log', 'tcp', 'http', 'unix', 'exec'].map((k) => ({ required: [k] })));
  assert.deepEqual(ready['allOf'][1], { if: { not: { required: ['http'] } }, then: { not: { required: ['status'] } } });
  assert.deepEqual(ready['allOf'][0].if.anyOf, ['notify', 'fd', 'file', 'log'].map((k) => ({ required: [k] })));
  assert.equal(ready['additionalProperties'], false);
  assert.equal(ready['properties'].fd.minimum, 3);
  assert.equal(ready['properties'].interval.default, '1s');
  const liveness = svcSchema['liveness'] as S;
  assert.deepEqual(Object.keys(liveness['properties']).slice(0, 5), ['tcp', 'http', 'unix', 'exec', 'status']);
  assert.equal(liveness['allOf'].length, 1, 'liveness has no non-probe mechanisms to exclude timing from');
  assert.equal(liveness['properties'].interval.default, '10s');
  assert.equal(svcSchema['startup'].properties.failure_threshold.default, 30);
  assert.equal(svcSchema['ready_timeout'].default, '30s');
  assert.deepEqual(svcSchema['on_change'].enum, ['restart', 'defer']);
  const tcp = new RegExp(ready['properties'].tcp.anyOf[1].pattern as string);
  for (const ok of ['localhost:80', '[::1]:6380', '10.0.0.1:5432']) assert.match(ok, tcp);
  const status = new RegExp(ready['properties'].status.anyOf[1].pattern as string);
  assert.match('200-399', status);
  assert.doesNotMatch('200 399', status);
});

test('the committed schema has the readiness keys as generated (regenerate: node --import tsx src/config/schema-write.ts)', () => {
  const committed = JSON.parse(readFileSync(new URL('../../schema/kelpie.schema.json', import.meta.url), 'utf8')) as S;
  const props = (s: S): S => s['properties'].services.additionalProperties.properties as S;
  for (const key of ['ready', 'ready_timeout', 'liveness', 'startup', 'on_change']) {
    assert.deepEqual(props(committed)[key], props(configJsonSchema() as S)[key], key);
  }
});
