import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configJsonSchema } from '../../src/config/index.js';
import { nextRuns } from '../../src/config/timer.js';
import { loadBad, loadOk, only } from './helpers.js';
import type { ConfigIssue, ServiceSpec, TimerSpec } from '../../src/config/index.js';

/** A file with one timer `job` whose extra lines start at line 4. */
const timer = (body: string): Record<string, string> => ({ 'kelpie.toml': `[services.job]\nkind = "timer"\ncommand = "x"\n${body}\n` });
const job = (body: string): ServiceSpec => loadOk(timer(body)).config.services['job']!;
/** [line, column, message] of the one issue about `field`. */
const at = (issues: readonly ConfigIssue[], field: string): [number, number, string] => {
  const i = only(issues, field);
  return [i.line, i.column, i.message];
};
const spec = (t: Partial<TimerSpec>): TimerSpec => ({ schedule: null, every: null, timezone: null, overlap: 'skip', maxRuns: null, runOnStart: false, ...t });
const iso = (dates: readonly Date[]): string[] => dates.map((d) => d.toISOString());

test('a timer with a schedule gets the defaults: no time zone, skip overlaps, no run limit, no run on start', () => {
  const s = job('schedule = "*/5 * * * *"');
  assert.equal(s.kind, 'timer');
  assert.deepEqual(s.timer, spec({ schedule: '*/5 * * * *' }));
  assert.deepEqual(job('every = "5m"').timer, spec({ every: 300_000 }));
});

test('every timer key can be set', () => {
  const s = job('schedule = " 0 30 2 * * 1-5 "\ntimezone = "Europe/Berlin"\noverlap = "queue"\nmax_runs = 3\nrun_on_start = true');
  assert.deepEqual(s.timer, { schedule: '0 30 2 * * 1-5', every: null, timezone: 'Europe/Berlin', overlap: 'queue', maxRuns: 3, runOnStart: true });
  assert.deepEqual(job('every = "1s"\nmax_runs = 1').timer, spec({ every: 1000, maxRuns: 1 }));
});

test('every other kind has timer = null', () => {
  const { config } = loadOk({
    'kelpie.toml': '[services.a]\ncommand = "x"\n[services.b]\nkind = "oneshot"\ncommand = "x"\n[services.c]\nkind = "target"\n',
  });
  for (const name of ['a', 'b', 'c']) assert.equal(config.services[name]!.timer, null, name);
});

test('schedules: 5 fields, 6 with seconds, croner syntax, nicknames', () => {
  for (const s of ['0 3 * * *', '*/15 9-17 * * MON-FRI', '0 0 L * *', '0 12 * * 5#2', '30 0 0 * * *', '@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually']) {
    assert.equal(job(`schedule = "${s}"`).timer!.schedule, s, s);
  }
});

test('a bad cron expression reports croner\'s message at the value', () => {
  const { issues } = loadBad(timer('schedule = "61 * * * *"'));
  assert.deepEqual(at(issues, 'services.job.schedule'), [4, 12, 'invalid cron expression "61 * * * *": Invalid value for minute: 61']);
  const i = only(issues, 'services.job.schedule');
  assert.equal(i.received, '"61 * * * *"');
  assert.match(i.hint ?? '', /minute hour day-of-month month day-of-week/);
  assert.equal(issues.length, 1);

  const bad = (value: string): [number, number, string] => at(loadBad(timer(`schedule = ${value}`)).issues, 'services.job.schedule');
  assert.deepEqual(bad('"* * *"'), [4, 12, 'cron expression "* * *" has 3 fields; expected 5, or 6 with seconds first']);
  assert.deepEqual(bad('"0 0 0 1 1 * 2030"'), [4, 12, 'cron expression "0 0 0 1 1 * 2030" has 7 fields; expected 5, or 6 with seconds first']);
  assert.deepEqual(bad('"x y z a b"'), [4, 12, 'invalid cron expression "x y z a b": configuration entry 1 (x) contains illegal characters.']);
  assert.match(bad('"@reboot"')[2], /^invalid cron expression "@reboot": @reboot is not supported/);
  assert.deepEqual(bad('"0 0 30 2 *"'), [4, 12, 'cron expression "0 0 30 2 *" never matches a date']);
  assert.deepEqual(bad('"2030-01-01T00:00:00"'), [4, 12, '"2030-01-01T00:00:00" is a date, not a cron expression']);
  assert.deepEqual(bad('""'), [4, 12, 'expected a cron expression like "*/5 * * * *", or a nickname like "@hourly", got ""']);
  assert.deepEqual(bad('5'), [4, 12, 'expected a cron expression like "*/5 * * * *", or a nickname like "@hourly", got 5']);
});

test('every is a duration of at least 1s', () => {
  const { issues } = loadBad(timer('every = "500ms"'));
  assert.deepEqual(at(issues, 'services.job.every'), [4, 9, 'expected a duration of at least 1s, got "500ms"']);
  const bare = loadBad(timer('every = 5')).issues;
  assert.equal(only(bare, 'services.job.every').hint, 'write "5s" or "5ms"; a bare number has no unit');
});

test('a timer needs exactly one of schedule and every', () => {
  const none = loadBad(timer('overlap = "queue"')).issues;
  assert.deepEqual(at(none, 'services.job.schedule'), [1, 1, 'a timer needs "schedule" or "every"']);
  assert.equal(none.length, 1);
  const both = loadBad(timer('schedule = "@daily"\nevery = "1h"')).issues;
  assert.deepEqual(at(both, 'services.job.every'), [5, 1, 'a timer takes "schedule" or "every", not both']);
  assert.equal(only(both, 'services.job.every').hint, 'schedule is set at line 4; keep one of them');
  assert.equal(both.length, 1);
  // a bad value still counts as given: one problem each, no "needs schedule or every"
  const badBoth = loadBad(timer('schedule = "nope"\nevery = "0s"')).issues;
  assert.deepEqual(badBoth.map((i) => [i.field, i.line, i.column]), [['services.job.schedule', 4, 12], ['services.job.every', 5, 1], ['services.job.every', 5, 9]]);
  assert.match(badBoth[1]!.message, /not both/);
});

test('timezone: a time zone Intl knows, and only with schedule', () => {
  assert.equal(job('schedule = "@daily"\ntimezone = "UTC"').timer!.timezone, 'UTC');
  assert.equal(job('schedule = "@daily"\ntimezone = "America/Argentina/Buenos_Aires"').timer!.timezone, 'America/Argentina/Buenos_Aires');
  const { issues } = loadBad(timer('schedule = "@daily"\ntimezone = "Europe/Berlinn"'));
  assert.deepEqual(at(issues, 'services.job.timezone'), [5, 12, 'expected an IANA time zone like "Europe/Berlin" or "UTC", got "Europe/Berlinn"']);
  assert.equal(only(issues, 'services.job.timezone').hint, 'did you mean "Europe/Berlin"?');
  const withEvery = loadBad(timer('every = "1h"\ntimezone = "UTC"')).issues;
  assert.deepEqual(at(withEvery, 'services.job.timezone'), [5, 1, '"timezone" goes with "schedule"; "every" counts elapsed time, the same in any zone']);
  assert.equal(withEvery.length, 1);
});

test('overlap, max_runs and run_on_start values', () => {
  const { issues } = loadBad(timer('every = "1m"\noverlap = "wait"\nmax_runs = 0\nrun_on_start = "true"'));
  assert.deepEqual(at(issues, 'services.job.overlap'), [5, 11, 'expected one of "skip", "queue", got "wait"']);
  assert.deepEqual(at(issues, 'services.job.max_runs'), [6, 12, 'expected an integer of at least 1, got 0']);
  assert.deepEqual(at(issues, 'services.job.run_on_start'), [7, 16, 'expected true or false, got "true"']);
  assert.equal(only(issues, 'services.job.run_on_start').hint, 'drop the quotes: true');
  assert.equal(issues.length, 3);
  assert.equal(only(loadBad(timer('every = "1m"\nmax_runs = 1.5')).issues, 'services.job.max_runs').message, 'expected an integer of at least 1, got 1.5');
});

test('timer keys on another kind are errors at the key', () => {
  const { issues } = loadBad({
    'kelpie.toml': [
      '[services.web]', // 1
      'command = "x"',
      'schedule = "@hourly"', // 3
      'run_on_start = false', // 4
      '[services.once]', // 5
      'kind = "oneshot"',
      'command = "x"',
      'every = "5m"', // 8
      '[services.all]', // 9
      'kind = "target"',
      'overlap = "skip"', // 11
      'max_runs = 2', // 12
      'timezone = "UTC"', // 13
    ].join('\n'),
  });
  assert.deepEqual(at(issues, 'services.web.schedule'), [3, 1, '"schedule" is only allowed when kind = "timer"; here kind is "longrun" (the default)']);
  assert.equal(only(issues, 'services.web.schedule').hint, 'set kind = "timer" to run the command at each occurrence of schedule or every');
  assert.deepEqual(at(issues, 'services.web.run_on_start'), [4, 1, '"run_on_start" is only allowed when kind = "timer"; here kind is "longrun" (the default)']);
  assert.deepEqual(at(issues, 'services.once.every'), [8, 1, '"every" is only allowed when kind = "timer"; here kind is "oneshot"']);
  assert.deepEqual(at(issues, 'services.all.overlap'), [11, 1, '"overlap" is only allowed when kind = "timer"; here kind is "target"']);
  assert.deepEqual(at(issues, 'services.all.max_runs'), [12, 1, '"max_runs" is only allowed when kind = "timer"; here kind is "target"']);
  assert.deepEqual(at(issues, 'services.all.timezone'), [13, 1, '"timezone" is only allowed when kind = "timer"; here kind is "target"']);
  assert.equal(issues.length, 6);
  // a bad kind is reported once, not also on every timer key
  const badKind = loadBad({ 'kelpie.toml': '[services.x]\nkind = "timr"\ncommand = "x"\nschedule = "@daily"\n' }).issues;
  assert.deepEqual(badKind.map((i) => [i.field, i.hint]), [['services.x.kind', 'did you mean "timer"?']]);
});

test('a timer takes no ready, liveness or startup', () => {
  const { issues } = loadBad(timer('every = "1m"\nready = { notify = true }\nliveness = { tcp = 80 }\nstartup = { tcp = 80 }'));
  assert.deepEqual(at(issues, 'services.job.ready'), [5, 1, '"ready" is not allowed when kind = "timer"']);
  assert.match(only(issues, 'services.job.ready').hint ?? '', /nothing waits for it; remove ready$/);
  assert.deepEqual(at(issues, 'services.job.liveness'), [6, 1, '"liveness" is not allowed when kind = "timer"']);
  assert.deepEqual(at(issues, 'services.job.startup'), [7, 1, '"startup" is not allowed when kind = "timer"']);
  assert.equal(issues.length, 3);
  // and a target keeps its own hint
  const target = loadBad({ 'kelpie.toml': '[services.t]\nkind = "target"\nready = { notify = true }\n' }).issues;
  assert.equal(only(target, 'services.t.ready').hint, 'a target has no process; give readiness to the services it requires');
});

test('a timer needs a command', () => {
  const { issues } = loadBad({ 'kelpie.toml': '[services.job]\nkind = "timer"\nevery = "1m"\n' });
  assert.deepEqual(at(issues, 'services.job.command'), [1, 1, 'missing required key "command"']);
});

test('a timer cannot be a requirement: the error is at the requiring item', () => {
  const { issues } = loadBad({
    'kelpie.toml': [
      'include = ["more.toml"]', // 1
      '[services.backup]', // 2
      'kind = "timer"',
      'command = "x"',
      'schedule = "@daily"',
      'provides = ["nightly"]', // 6
      '[services.web]', // 7
      'command = "x"',
      'requires = ["db", "backup"]', // 9
      'wants = ["backup"]', // fine
      'after = ["backup"]', // fine
      '[services.db]',
      'command = "x"',
      '[services.all]', // 14
      'kind = "target"',
      '[[services.all.requires]]', // 16
      'service = "nightly"',
      'condition = "completed"',
    ].join('\n'),
    'more.toml': '[services.late]\ncommand = "x"\nrequires = [{ service = "backup", condition = "started" }]\n',
  });
  const web = only(issues, 'services.web.requires[1]');
  assert.deepEqual([web.line, web.column], [9, 19]);
  assert.match(web.message, /^a timer cannot be a requirement: "backup" \(defined at .*kelpie\.toml:2\) is a timer$/);
  assert.equal(web.hint, 'a timer runs at its own times and nothing waits for it; remove it from requires (wants = ["backup"] starts its schedule along with this service)');
  const all = only(issues, 'services.all.requires[0]');
  assert.equal(all.line, 16);
  assert.match(all.message, /^a timer cannot be a requirement: "backup"/);
  assert.match(all.hint ?? '', /wants = \["nightly"\]/);
  const late = only(issues, 'services.late.requires[0]');
  assert.ok(late.file.endsWith('more.toml'));
  assert.deepEqual([late.line, late.column], [3, 13]);
  assert.equal(issues.length, 3, 'no extra "completed needs a oneshot" error');
});

test('wants and after may name a timer; a timer may require others', () => {
  const { config } = loadOk({
    'kelpie.toml': '[services.db]\ncommand = "x"\n[services.job]\nkind = "timer"\ncommand = "x"\nevery = "1h"\nrequires = ["db"]\n[services.web]\ncommand = "x"\nwants = ["job"]\nafter = ["job"]\n',
  });
  assert.deepEqual(config.services['job']!.requires, [{ service: 'db', condition: 'ready', line: 7 }]);
  assert.deepEqual([config.services['web']!.wants, config.services['web']!.after], [['job'], ['job']]);
});

test('nextRuns: cron via croner, in the given time zone, strictly after from', () => {
  const from = new Date('2024-03-01T10:07:00Z');
  assert.deepEqual(iso(nextRuns(spec({ schedule: '*/15 * * * *', timezone: 'UTC' }), from, 3)), [
    '2024-03-01T10:15:00.000Z', '2024-03-01T10:30:00.000Z', '2024-03-01T10:45:00.000Z',
  ]);
  // 03:00 in Berlin is 02:00 UTC in winter, 01:00 UTC in summer (DST starts 2024-03-31)
  assert.deepEqual(iso(nextRuns(spec({ schedule: '0 3 * * *', timezone: 'Europe/Berlin' }), new Date('2024-03-30T12:00:00Z'), 2)), [
    '2024-03-31T01:00:00.000Z', '2024-04-01T01:00:00.000Z',
  ]);
  assert.deepEqual(iso(nextRuns(spec({ schedule: '@hourly', timezone: 'UTC' }), new Date('2024-03-01T10:00:00Z'), 1)), ['2024-03-01T11:00:00.000Z']);
  assert.deepEqual(iso(nextRuns(spec({ schedule: '30 0 0 * * *', timezone: 'Asia/Kolkata' }), from, 1)), ['2024-03-01T18:30:30.000Z']);
});

test('nextRuns: every counts from + k·every', () => {
  const from = new Date('2024-03-01T10:07:00.250Z');
  assert.deepEqual(iso(nextRuns(spec({ every: 300_000 }), from, 3)), ['2024-03-01T10:12:00.250Z', '2024-03-01T10:17:00.250Z', '2024-03-01T10:22:00.250Z']);
  assert.deepEqual(nextRuns(spec({ every: 1000 }), from, 0), []);
});

test('nextRuns: max_runs caps the occurrences left after `done` runs', () => {
  const t = spec({ every: 1000, maxRuns: 3 });
  const from = new Date(0);
  assert.equal(nextRuns(t, from, 10).length, 3);
  assert.equal(nextRuns(t, from, 10, 2).length, 1);
  assert.deepEqual(nextRuns(t, from, 10, 3), []);
  assert.equal(nextRuns(spec({ schedule: '* * * * *', maxRuns: 2 }), from, 5).length, 2);
});

test('nextRuns of a loaded timer', () => {
  const t = job('schedule = "0 0 1 * *"\ntimezone = "UTC"').timer!;
  assert.deepEqual(iso(nextRuns(t, new Date('2024-01-15T00:00:00Z'), 2)), ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
});

test('the schema is in sync and describes the timer keys', () => {
  const committed = JSON.parse(readFileSync(new URL('../../schema/kelpie.schema.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(committed, configJsonSchema());
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking untyped JSON
  const service = (configJsonSchema() as Record<string, any>)['properties'].services.additionalProperties;
  assert.ok(service.properties.kind.enum.includes('timer'));
  assert.deepEqual(service.properties.overlap.enum, ['skip', 'queue']);
  assert.equal(service.properties.overlap.default, 'skip');
  assert.equal(service.properties.run_on_start.default, false);
  assert.equal(service.properties.max_runs.minimum, 1);
  assert.equal(service.properties.schedule.type, 'string');
  for (const key of ['schedule', 'every', 'timezone', 'overlap', 'max_runs', 'run_on_start']) {
    assert.ok(typeof service.properties[key].description === 'string', key);
  }
});

test('the schema defaults, written into a timer, load to the documented defaults', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking untyped JSON
  const props = (configJsonSchema() as Record<string, any>)['properties'].services.additionalProperties.properties as Record<string, { default?: unknown }>;
  const explicit = ['overlap', 'run_on_start'].map((k) => `${k} = ${JSON.stringify(props[k]!.default)}`).join('\n');
  assert.deepEqual(job(`every = "1m"\n${explicit}`).timer, job('every = "1m"').timer);
});
