import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDuration, MAX_DURATION_MS, parseDuration, parseSize } from '../../src/config/index.js';

test('parseDuration reads every unit and combinations', () => {
  const cases: [string, number][] = [
    ['100ms', 100], ['10s', 10_000], ['5m', 300_000], ['1h', 3_600_000], ['1d', 86_400_000],
    ['1m30s', 90_000], ['1h1m1s1ms', 3_661_001], ['0s', 0], ['1.5s', 1500], [' 2s ', 2000],
  ];
  for (const [text, ms] of cases) assert.deepEqual(parseDuration(text), { ok: true, value: ms }, text);
});

test('parseDuration rejects bare numbers, unknown units and junk, with a hint', () => {
  const bare = parseDuration(10);
  assert.equal(bare.ok, false);
  assert.match(!bare.ok ? bare.hint ?? '' : '', /"10s"/);
  const quoted = parseDuration('10');
  assert.equal(quoted.ok, false);
  assert.match(!quoted.ok ? quoted.hint ?? '' : '', /"10s"/);
  for (const bad of ['', 's', '10 s', '10sec', '1w', '-1s', '1m-30s', 'ten seconds', true, null, undefined, {}]) {
    const r = parseDuration(bad);
    assert.equal(r.ok, false, String(bad));
    if (!r.ok) assert.match(r.expected, /duration/);
  }
});

test('parseDuration caps durations at what Node timers can wait', () => {
  assert.deepEqual(parseDuration('24d'), { ok: true, value: 24 * 86_400_000 });
  const r = parseDuration('25d');
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.expected : '', /at most 24d20h31m23s647ms/);
});

test('formatDuration writes the canonical form', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(100), '100ms');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(86_400_000 + 1), '1d1ms');
});

test('formatDuration and parseDuration round-trip (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_DURATION_MS }), (ms) => {
      assert.deepEqual(parseDuration(formatDuration(ms)), { ok: true, value: ms });
    }),
    { numRuns: 500 },
  );
});

test('parseSize reads bytes and binary units, case-insensitively', () => {
  const cases: [unknown, number][] = [
    [1, 1], [4096, 4096], ['512KB', 512 * 1024], ['10MB', 10 * 1024 ** 2], ['1GB', 1024 ** 3],
    ['1gb', 1024 ** 3], ['2MiB', 2 * 1024 ** 2], ['3k', 3072], ['100B', 100], ['1.5KB', 1536], ['10 MB', 10 * 1024 ** 2],
  ];
  for (const [raw, bytes] of cases) assert.deepEqual(parseSize(raw), { ok: true, value: bytes }, String(raw));
});

test('parseSize rejects zero, negatives, fractions of bytes, unknown units', () => {
  for (const bad of [0, -1, 1.5, '', 'MB', '10TB', '10 megabytes', '-1MB', '0KB', true]) {
    assert.equal(parseSize(bad).ok, false, String(bad));
  }
  const quoted = parseSize('1024');
  assert.match(!quoted.ok ? quoted.hint ?? '' : '', /no quotes/);
});
