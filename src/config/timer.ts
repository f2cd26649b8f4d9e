// Timer services (kind = "timer"): the keys that say when one runs, their checks (cron
// expressions are parsed by croner), the rules between them, and nextRuns, which computes the
// occurrences for the controller.
import { Cron } from 'croner';
import { didYouMean, type Issues } from './issues.js';
import { render, type TNode, type TTable } from './toml.js';
import { BAD, join, type Bad, type Out } from './values.js';
import type { Field, Fields } from './fields.js';
import type { TimerSpec } from './types.js';

/** A paused croner job for `schedule`: it never fires by itself; used to check and to compute
 *  occurrences. Throws croner's error for a bad expression. 5 or 6 fields only (no year field). */
export function cronOf(schedule: string, timezone: string | null = null): Cron {
  return new Cron(schedule, { paused: true, mode: '5-or-6-parts', ...(timezone !== null && { timezone }) });
}

/** The next `n` occurrences of `t` strictly after `from`: croner's nextRuns for a schedule,
 *  from + k·every (k = 1…n) for an interval. With max_runs, at most maxRuns − `done` (the runs
 *  already made) are returned. */
export function nextRuns(t: TimerSpec, from: Date, n: number, done = 0): Date[] {
  const wanted = Math.max(0, Math.floor(n));
  const count = t.maxRuns === null ? wanted : Math.min(wanted, Math.max(0, t.maxRuns - done));
  if (count === 0) return [];
  if (t.schedule !== null) return cronOf(t.schedule, t.timezone).nextRuns(count, from);
  const every = t.every;
  if (every === null) return [];
  return Array.from({ length: count }, (_, k) => new Date(from.getTime() + (k + 1) * every));
}

const CRON_EXPECTED = 'a cron expression like "*/5 * * * *", or a nickname like "@hourly"';
const CRON_HINT = 'five fields: minute hour day-of-month month day-of-week (a sixth, seconds, may go first), or @yearly, @monthly, @weekly, @daily, @hourly';

/** `schedule`: a string croner parses as a repeating 5- or 6-field pattern that matches some date. */
export function checkSchedule(node: TNode, path: string, issues: Issues, bad: Bad): Out {
  if (node.kind !== 'string') return bad({ expected: CRON_EXPECTED });
  const value = node.value.trim();
  const report = (message: string, hint: string): typeof BAD => {
    issues.add(node.loc, path, { message, received: render(node), expected: CRON_EXPECTED, hint });
    return BAD;
  };
  if (value === '') return bad({ expected: CRON_EXPECTED });
  let job: Cron;
  try {
    job = cronOf(value);
  } catch (e) {
    const fields = value.split(/\s+/).length;
    if (!value.startsWith('@') && fields !== 5 && fields !== 6) {
      return report(`cron expression ${JSON.stringify(value)} has ${fields} field${fields === 1 ? '' : 's'}; expected 5, or 6 with seconds first`, CRON_HINT);
    }
    const why = (e instanceof Error ? e.message : String(e)).replace(/^CronPattern:\s*/, '');
    return report(`invalid cron expression ${JSON.stringify(value)}: ${why}`, CRON_HINT);
  }
  const once = job.getOnce();
  if (once !== null) {
    const yearly = `${once.getMinutes()} ${once.getHours()} ${once.getDate()} ${once.getMonth() + 1} *`;
    return report(`${JSON.stringify(value)} is a date, not a cron expression`, `a timer repeats; for every year at that time, write "${yearly}"`);
  }
  if (job.nextRun() === null) return report(`cron expression ${JSON.stringify(value)} never matches a date`, 'check day-of-month against month (February has no 30th)');
  return value;
}

/** `timezone`: a time zone Intl knows ("Europe/Berlin", "UTC"). */
export function checkTimezone(node: TNode, bad: Bad): Out {
  const expected = 'an IANA time zone like "Europe/Berlin" or "UTC"';
  if (node.kind !== 'string' || node.value.trim() === '') return bad({ expected });
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: node.value });
    return node.value;
  } catch {
    const hint = didYouMean(node.value, Intl.supportedValuesOf('timeZone'));
    return bad({ expected, ...(hint && { hint }) });
  }
}

/** The rules between the timer keys of a service table, once its keys are checked: a timer has
 *  exactly one of schedule and every, and timezone only with schedule. (That the timer keys go
 *  with kind = "timer" only is `onlyWhen`, checked with the keys.) */
export function checkTimerKeys(node: TTable, out: Readonly<Record<string, unknown>>, path: string, issues: Issues): void {
  if (out['kind'] !== 'timer') return;
  const schedule = node.entries.get('schedule');
  const every = node.entries.get('every');
  const timezone = node.entries.get('timezone');
  if (!schedule && !every) {
    issues.add(node.loc, join(path, 'schedule'), {
      message: 'a timer needs "schedule" or "every"',
      hint: 'e.g. schedule = "0 3 * * *" (every day at 03:00) or every = "15m"',
    });
  } else if (schedule && every) {
    issues.add(every.keyLoc, join(path, 'every'), {
      message: 'a timer takes "schedule" or "every", not both',
      hint: `schedule is set at line ${schedule.keyLoc.line}; keep one of them`,
    });
  } else if (every && timezone) {
    issues.add(timezone.keyLoc, join(path, 'timezone'), {
      message: '"timezone" goes with "schedule"; "every" counts elapsed time, the same in any zone',
      hint: 'remove timezone',
    });
  }
}

const has = (key: string): object => ({ required: [key] });
const isTimer = { properties: { kind: { const: 'timer' } }, required: ['kind'] };

/** checkTimerKeys as JSON Schema, for the service table. */
export const timerKeysSchema: readonly object[] = [
  { if: isTimer, then: { oneOf: [has('schedule'), has('every')] } },
  { if: has('every'), then: { not: has('timezone') } },
];

const ONLY_TIMER: NonNullable<Field['onlyWhen']> = {
  key: 'kind',
  value: 'timer',
  hint: 'set kind = "timer" to run the command at each occurrence of schedule or every',
};

/** The timer keys of `[services.NAME]`: allowed on a timer only. */
export const timerFields: Fields = {
  schedule: {
    kind: { k: 'cron' },
    onlyWhen: ONLY_TIMER,
    doc: 'Timers: when to run, as a cron expression ("*/5 * * * *": minute hour day-of-month month day-of-week; a sixth field, seconds, may go first) or a nickname (@yearly, @monthly, @weekly, @daily, @hourly). A timer has schedule or every, not both.',
  },
  every: {
    kind: { k: 'duration', min: 1000 },
    onlyWhen: ONLY_TIMER,
    doc: 'Timers: run at this fixed interval (at least 1s), counted from when the schedule starts. A timer has schedule or every, not both.',
  },
  timezone: {
    kind: { k: 'timezone' },
    onlyWhen: ONLY_TIMER,
    doc: 'Timers with schedule: the IANA time zone the cron expression is read in ("Europe/Berlin", "UTC"). Default: the local time zone.',
  },
  overlap: {
    kind: { k: 'enum', values: ['skip', 'queue'] },
    default: 'skip',
    onlyWhen: ONLY_TIMER,
    doc: 'Timers: when a run is still going at the next occurrence, skip that occurrence, or queue it: run once more right after the current run ends.',
  },
  max_runs: {
    kind: { k: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER },
    prop: 'maxRuns',
    onlyWhen: ONLY_TIMER,
    doc: 'Timers: stop scheduling after this many runs. Default: no limit.',
  },
  run_on_start: {
    kind: { k: 'boolean' },
    default: false,
    prop: 'runOnStart',
    onlyWhen: ONLY_TIMER,
    doc: 'Timers: also run once as soon as the schedule starts, not only at its first occurrence.',
  },
};
