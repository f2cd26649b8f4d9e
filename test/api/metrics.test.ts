// The Prometheus exposition: names, types, labels, escaping and values, checked line by line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabel, exitCause, exposition, formatValue, STATES, type ServiceMetrics } from '../../src/api/metrics.js';

const web: ServiceMetrics = {
  name: 'web', state: 'running', restarts: 2, readySeconds: 0.25, exits: { failure: 2, stopped: 1 },
  cpuSeconds: 1.5, memoryBytes: 4096 * 1000, logBytes: 12345,
};
const idle: ServiceMetrics = { name: 'idle', state: 'stopped', restarts: 0, readySeconds: null, exits: {}, cpuSeconds: null, memoryBytes: null, logBytes: 0 };

/** Every sample line as name{labels} → value. */
function samples(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

test('every family has HELP and TYPE before its samples, counters end in _total, and the text ends with a newline', () => {
  const text = exposition([web, idle], { controllerRestarts: 1 });
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n');
  const families = new Map<string, string>();
  let current = '';
  for (const line of lines) {
    const help = /^# HELP (\w+) \S/.exec(line);
    const type = /^# TYPE (\w+) (gauge|counter)$/.exec(line);
    if (help) current = help[1]!;
    else if (type) {
      assert.equal(type[1], current, `TYPE follows the HELP of ${current}`);
      families.set(type[1]!, type[2]!);
    } else {
      const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{|\s)/.exec(line)?.[1];
      assert.equal(name, current, `sample ${line} belongs to the family announced before it`);
      assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? -?[0-9.e+]+$|NaN$|Inf$/);
    }
  }
  assert.deepEqual([...families.keys()].sort(), [
    'kelpie_controller_restarts_total', 'kelpie_service_cpu_seconds_total', 'kelpie_service_exits_total', 'kelpie_service_log_bytes_total',
    'kelpie_service_memory_bytes', 'kelpie_service_ready_seconds', 'kelpie_service_restarts_total', 'kelpie_service_state',
  ]);
  for (const [name, type] of families) assert.equal(type === 'counter', name.endsWith('_total'), `${name} is a ${type}`);
});

test('values: one state series per state, exits by cause, absent cpu and memory for a service without a process', () => {
  const s = samples(exposition([web, idle], { controllerRestarts: 3 }));
  for (const st of STATES) assert.equal(s.get(`kelpie_service_state{service="web",state="${st}"}`), st === 'running' ? '1' : '0');
  assert.equal(s.get('kelpie_service_state{service="idle",state="stopped"}'), '1');
  assert.equal(s.get('kelpie_service_restarts_total{service="web"}'), '2');
  assert.equal(s.get('kelpie_service_ready_seconds{service="web"}'), '0.25');
  assert.equal(s.has('kelpie_service_ready_seconds{service="idle"}'), false);
  assert.equal(s.get('kelpie_service_exits_total{service="web",cause="failure"}'), '2');
  assert.equal(s.get('kelpie_service_exits_total{service="web",cause="stopped"}'), '1');
  assert.equal(s.get('kelpie_service_exits_total{service="web",cause="signal"}'), '0');
  assert.equal(s.get('kelpie_service_cpu_seconds_total{service="web"}'), '1.5');
  assert.equal(s.get('kelpie_service_memory_bytes{service="web"}'), '4096000');
  assert.equal(s.has('kelpie_service_memory_bytes{service="idle"}'), false);
  assert.equal(s.has('kelpie_service_cpu_seconds_total{service="idle"}'), false);
  assert.equal(s.get('kelpie_service_log_bytes_total{service="web"}'), '12345');
  assert.equal(s.get('kelpie_controller_restarts_total'), '3');
});

test('no services: the families are still described, with no samples but the controller\'s', () => {
  const text = exposition([], { controllerRestarts: 0 });
  assert.match(text, /# TYPE kelpie_service_state gauge\n# HELP kelpie_service_restarts_total/);
  assert.deepEqual([...samples(text).keys()], ['kelpie_controller_restarts_total']);
});

test('label values escape backslash, double quote and newline', () => {
  assert.equal(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const text = exposition([{ ...idle, name: 'we"ird\\name' }], { controllerRestarts: 0 });
  assert.ok(text.includes('kelpie_service_restarts_total{service="we\\"ird\\\\name"} 0'));
});

test('formatValue: integers plain, fractions rounded, special values spelled as Prometheus reads them', () => {
  assert.equal(formatValue(3), '3');
  assert.equal(formatValue(0.1 + 0.2), '0.3');
  assert.equal(formatValue(1 / 3), '0.333333');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(-Infinity), '-Inf');
});

test('exit causes: a requested stop, a signal, a clean exit, a failure', () => {
  assert.equal(exitCause({ requested: true, signal: 'SIGTERM', code: null }), 'stopped');
  assert.equal(exitCause({ requested: false, signal: 'SIGKILL', code: null }), 'signal');
  assert.equal(exitCause({ requested: false, signal: null, code: 0 }), 'success');
  assert.equal(exitCause({ requested: false, signal: null, code: 3 }), 'failure');
});
