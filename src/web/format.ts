// Durations, sizes and times as the CLI writes them.
import { span } from '../cli/units.js';

export { bytes, span } from '../cli/units.js';

/** "2026-12-06 12:00:01Z (3 s ago)". */
export function when(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const d = now - Date.parse(iso);
  return `${iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')} (${d >= 0 ? `${span(d)} ago` : `in ${span(-d)}`})`;
}
