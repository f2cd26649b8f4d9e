// Sizes for log rotation: integer bytes, or a number with a binary unit ("512KB", "10MB", "1GB").
import type { Parsed } from './duration.js';

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
};

/** A number and a unit (case-insensitive; KB = KiB = 1024 bytes). Shared with the JSON Schema. */
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*([bB]|[kKmMgG]([iI][bB]|[bB])?)$';
const WHOLE = new RegExp(SIZE_PATTERN);

const EXPECTED = 'a size like "512KB", "10MB", "1GB" or a whole number of bytes';

/** Parses a size into whole bytes (at least 1). */
export function parseSize(raw: unknown): Parsed {
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw < 1) return { ok: false, expected: 'a whole number of bytes >= 1, or ' + EXPECTED };
    return { ok: true, value: raw };
  }
  if (typeof raw !== 'string') return { ok: false, expected: EXPECTED };
  const text = raw.trim();
  if (!WHOLE.test(text)) {
    const hint = /^[0-9]+$/.test(text) ? `write ${text} (no quotes) for bytes, or "${text}KB"` : 'write "10MB"';
    return { ok: false, expected: EXPECTED, hint };
  }
  const m = /^([0-9.]+)\s*([a-zA-Z]+)$/.exec(text);
  const bytes = Math.floor(Number(m?.[1]) * (UNITS[(m?.[2] ?? '').toLowerCase()] ?? NaN));
  if (!Number.isSafeInteger(bytes) || bytes < 1) return { ok: false, expected: 'a size of at least 1 byte' };
  return { ok: true, value: bytes };
}
