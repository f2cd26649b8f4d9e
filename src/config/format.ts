// One issue → one line (plus a hint line), in the file:line:column form editors understand.
import type { ConfigIssue } from './types.js';

/** `kelpie.toml:12:11: services.web.restart: expected …, got …` and `\n  hint: …` when there is one. */
export function formatIssue(i: ConfigIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.column > 0 ? `${i.column}:` : ''}` : `${i.file}:`;
  const field = i.field === '' ? '' : ` ${i.field}:`;
  return `${where}${field} ${i.message}${i.hint ? `\n  hint: ${i.hint}` : ''}`;
}
