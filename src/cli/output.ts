// Everything the CLI prints goes through here: colours, times, errors and exit codes.
import { ERRORS, KelpieError } from '../protocol/errors.js';
import { span } from './units.js';

export { span };

/** Colour on a terminal unless NO_COLOR or --no-color. */
export const style = {
  enabled: process.stdout.isTTY === true && !process.env.NO_COLOR,
};

const wrap = (code: number) => (s: string): string => (style.enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
export const c = { red: wrap(31), green: wrap(32), yellow: wrap(33), blue: wrap(34), magenta: wrap(35), cyan: wrap(36), dim: wrap(2), bold: wrap(1) };

/** A usage error (exit 2). */
export function usage(message: string, hint?: string): KelpieError {
  return new KelpieError('KELPIE_E_USAGE', message, hint);
}

/** Prints `kelpie: error: …` (and a hint) and returns the documented exit code. */
export function reportError(err: unknown, json: boolean): number {
  const e = err instanceof KelpieError ? err : new KelpieError('KELPIE_E_INTERNAL', err instanceof Error ? (err.stack ?? err.message) : String(err));
  if (json) {
    process.stdout.write(JSON.stringify({ ok: false, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } }) + '\n');
  } else {
    process.stderr.write(`kelpie: error: ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
  }
  return ERRORS[e.code].exit;
}

/** An ISO time with its relative age beside it: "2026-11-22T03:47:28Z (3 s ago)". */
export function when(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  const d = now - t;
  const rel = d >= 0 ? `${span(d)} ago` : `in ${span(-d)}`;
  return `${iso.replace(/\.\d{3}Z$/, 'Z')} (${rel})`;
}

/** Colours a state name. */
export function stateText(state: string): string {
  switch (state) {
    case 'running':
    case 'done':
      return c.green(state);
    case 'starting':
    case 'waiting':
    case 'stopping':
    case 'backoff':
      return c.yellow(state);
    case 'failed':
    case 'unhealthy':
      return c.red(state);
    case 'unreachable':
      return c.magenta(state);
    default:
      return c.dim(state);
  }
}

/** Lines held by batch() while its renderer runs; null when out() writes at once. */
let held: string[] | null = null;

export function out(line = ''): void {
  if (held) held.push(line);
  else process.stdout.write(line + '\n');
}

/**
 * Runs a synchronous renderer and writes what it printed with out() in one write: a status of
 * 100 services is one write to stdout, not 100 passes through the stream (what it prints, and
 * when, is the same: nothing else runs while the renderer does).
 */
export function batch(render: () => void): void {
  const lines: string[] = [];
  held = lines;
  try {
    render();
  } finally {
    held = null;
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  }
}

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}
