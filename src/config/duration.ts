// Durations are written with units ("100ms", "1m30s"); validated durations are milliseconds.

/** Outcome of parsing a duration or a size: the number, or what was wrong and how to fix it. */
export type Parsed =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly expected: string; readonly hint?: string };

const UNITS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** One or more number+unit parts, e.g. "1m30s", "1.5s", "250ms". Shared with the JSON Schema. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+$';
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g;
const WHOLE = new RegExp(DURATION_PATTERN);

/** Node timers cannot wait longer than 2^31-1 ms; a longer duration would fire at once. */
export const MAX_DURATION_MS = 2_147_483_647;

const EXPECTED = 'a duration like "100ms", "10s", "5m", "1h", "1d" or "1m30s"';

/** Parses a duration string into whole milliseconds (fractions are rounded). */
export function parseDuration(raw: unknown): Parsed {
  if (typeof raw === 'number') return { ok: false, expected: EXPECTED, hint: `write "${raw}s" or "${raw}ms"; a bare number has no unit` };
  if (typeof raw !== 'string') return { ok: false, expected: EXPECTED };
  const text = raw.trim();
  if (!WHOLE.test(text)) {
    const hint = /^[0-9]+(\.[0-9]+)?$/.test(text) ? `add a unit: write "${text}s" or "${text}ms"` : 'write "10s"';
    return { ok: false, expected: EXPECTED, hint };
  }
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0);
  ms = Math.round(ms);
  if (ms > MAX_DURATION_MS) return { ok: false, expected: `a duration of at most ${formatDuration(MAX_DURATION_MS)}` };
  return { ok: true, value: ms };
}

/** Renders milliseconds in the same syntax parseDuration reads: 90000 → "1m30s", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms}ms`;
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of Object.entries(UNITS)) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
