// Dotenv files: KEY=VALUE lines, optional `export `, # comments, blank lines, and single- or
// double-quoted values (double quotes understand \n \t \r \" \\ escapes). No ${VAR} expansion.

/** A line that could not be read, 1-based. */
export interface EnvFileError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly text: string;
}

/** Variables in file order (a later line wins), plus every bad line. */
export interface EnvFileResult {
  readonly vars: Record<string, string>;
  readonly errors: EnvFileError[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', $: '$' };

/** Parses dotenv text; never throws. */
export function parseEnvFile(text: string): EnvFileResult {
  const vars = Object.create(null) as Record<string, string>;
  const errors: EnvFileError[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const r = parseLine(raw);
    if (r === null) continue;
    if ('message' in r) errors.push({ line: i + 1, column: r.column, message: r.message, text: raw });
    else vars[r.key] = r.value;
  }
  return { vars, errors };
}

type LineResult = null | { key: string; value: string } | { message: string; column: number };

function parseLine(raw: string): LineResult {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return null;
  const indent = raw.length - raw.trimStart().length;
  const body = trimmed.replace(/^export\s+/, '');
  const offset = indent + (trimmed.length - body.length);
  const eq = body.indexOf('=');
  if (eq < 0) return { message: 'expected KEY=VALUE', column: offset + 1 };
  const key = body.slice(0, eq).trim();
  if (!KEY.test(key)) return { message: `invalid variable name ${JSON.stringify(key)}`, column: offset + 1 };
  const rest = body.slice(eq + 1).trimStart();
  const valueCol = offset + eq + 1 + (body.length - eq - 1 - rest.length) + 1;
  const value = parseValue(rest);
  if (typeof value === 'string') {
    return value.includes('\0') ? { message: 'a value cannot contain a NUL character', column: valueCol } : { key, value };
  }
  return { message: value.message, column: valueCol };
}

function parseValue(rest: string): string | { message: string } {
  const q = rest[0];
  if (q !== '"' && q !== "'") {
    // Unquoted: a # after whitespace starts a comment.
    return rest.replace(/(^|\s)#.*$/, '').trim();
  }
  let out = '';
  let i = 1;
  for (; i < rest.length && rest[i] !== q; i++) {
    const c = rest[i] as string;
    if (q === '"' && c === '\\') {
      const next = rest[i + 1];
      if (next === undefined) break;
      const esc = ESCAPES[next];
      if (esc === undefined) return { message: `unknown escape \\${next} in double-quoted value` };
      out += esc;
      i++;
    } else out += c;
  }
  if (i >= rest.length) return { message: `unterminated ${q === '"' ? 'double' : 'single'}-quoted value` };
  const after = rest.slice(i + 1).trim();
  if (after !== '' && !after.startsWith('#')) return { message: 'unexpected text after the closing quote' };
  return out;
}
