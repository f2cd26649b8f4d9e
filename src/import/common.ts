// What every importer shares: the result type, warnings, service names, durations, shell
// words, signals, paths, and writing the finished kelpie.toml.
import { constants } from 'node:os';
import { isAbsolute, posix } from 'node:path';
import { formatDuration, MAX_DURATION_MS } from '../config/duration.js';
import { SERVICE_NAME_MAX } from '../config/fields.js';
import { Table, writeTable, tomlKey, type Value } from './toml.js';

/** The formats `kelpie import` reads. */
export const FORMATS = ['procfile', 'pm2', 'compose', 'process-compose'] as const;
export type Format = (typeof FORMATS)[number];

/** What the importer produced: the kelpie.toml text and one line per setting not carried over. */
export interface ImportResult {
  readonly toml: string;
  /** Each starts with the source key it is about: `services.web.ports: …`. */
  readonly warnings: string[];
  /** The kelpie service names, in file order. */
  readonly services: string[];
}

/** Options shared by every importer. */
export interface ImportOptions {
  /** The source file's name, for the header comment. */
  readonly source?: string;
  /**
   * The source file's directory relative to the directory the kelpie.toml will be written to
   * ("" or "." when they are the same). Relative paths are rebased onto it, and services that
   * had no working directory get it as `cwd`, so they still run where the old tool ran them.
   */
  readonly base?: string;
  /** Procfile only: a dotenv file beside the Procfile (foreman and heroku local read `.env`). */
  readonly envFile?: string;
}

/** The input cannot be read at all (not YAML, not a Procfile, no services…). */
export class ImportError extends Error {}

/** One service being built. */
export interface Svc {
  /** The kelpie name. */
  readonly name: string;
  readonly comments: string[];
  readonly t: Table;
}

const NAME_OK = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]*$/;

/** The services and warnings of one import. */
export class Draft {
  readonly services = new Map<string, Svc>();
  readonly warnings: string[] = [];
  readonly #names = new Map<string, string>();
  readonly #used = new Set<string>();

  constructor(readonly format: Format, readonly opts: ImportOptions) {}

  /** Records a setting that was not (or not exactly) carried over. */
  warn(path: string, message: string): void {
    this.warnings.push(`${path}: ${message}`);
  }

  /**
   * Kelpie names for source names, in order: valid names are kept (all of them before any
   * invalid one is made valid, so a made-up name never takes a real one), invalid ones are
   * made valid, and a name used twice gets a suffix; each change is a warning naming `path`.
   * lookup() then maps a source name to the first name it was given.
   */
  assign(entries: ReadonlyArray<{ readonly source: string; readonly path: string }>): string[] {
    const out: Array<string | undefined> = entries.map(() => undefined);
    entries.forEach((e, i) => {
      if (NAME_OK.test(e.source) && e.source.length <= SERVICE_NAME_MAX && !this.#used.has(e.source)) out[i] = this.#take(e.source, e.source);
    });
    entries.forEach((e, i) => {
      if (out[i] !== undefined) return;
      const twice = NAME_OK.test(e.source) && e.source.length <= SERVICE_NAME_MAX;
      let n = e.source.replace(/[^a-zA-Z0-9_.@-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '').slice(0, SERVICE_NAME_MAX) || 'service';
      const stem = n;
      for (let k = 2; this.#used.has(n); k++) n = `${stem.slice(0, SERVICE_NAME_MAX - String(k).length - 1)}-${k}`;
      this.warn(e.path, twice ? `name ${JSON.stringify(e.source)} is used twice; this one is ${JSON.stringify(n)} here` : `name ${JSON.stringify(e.source)} is not a valid kelpie service name; it is ${JSON.stringify(n)} here`);
      out[i] = this.#take(e.source, n);
    });
    return out as string[];
  }

  /** One name (assign() for a single entry). */
  name(source: string, path: string): string {
    return this.assign([{ source, path }])[0]!;
  }

  #take(source: string, name: string): string {
    if (!this.#names.has(source)) this.#names.set(source, name);
    this.#used.add(name);
    return name;
  }

  /** The kelpie name already given to a source name, if any. */
  lookup(source: string): string | undefined {
    return this.#names.get(source);
  }

  /** Starts a service; its keys are set in the order a person would write them. */
  add(name: string, comments: string[] = []): Svc {
    const s: Svc = { name, comments, t: new Table() };
    this.services.set(name, s);
    return s;
  }

  /** A path from the source file, rebased onto the output's directory. */
  path(p: string): string {
    return relocate(this.opts.base, p);
  }

  /** The `cwd` for a service that had none: the source's directory, when that is elsewhere. */
  defaultCwd(): string | undefined {
    const b = this.opts.base;
    return b && b !== '.' ? b : undefined;
  }

  /** The finished kelpie.toml. */
  result(): ImportResult {
    const label: Record<Format, string> = { procfile: 'Procfile format', pm2: 'pm2', compose: 'docker compose', 'process-compose': 'process-compose' };
    const head = [
      `# kelpie.toml, converted by \`kelpie import\` from ${this.opts.source ? `${this.opts.source} (${label[this.format]})` : `a ${label[this.format]} file`}.`,
      '# Settings that could not be carried over were printed as warnings; docs/adoption.md lists',
      '# what maps to what. Reference: docs/config.md. Check it with `kelpie check`.',
    ];
    if (this.services.size === 0) head.push('', '# No services were found.');
    const blocks = [...this.services.values()].map((s) => writeTable(`services.${tomlKey(s.name)}`, s.t, s.comments));
    return { toml: [head.join('\n') + '\n', ...blocks].join('\n'), warnings: [...this.warnings], services: [...this.services.keys()] };
  }
}

/** `p` rebased onto `base` unless it is absolute (or base is the same directory). */
export function relocate(base: string | undefined, p: string): string {
  if (!base || base === '.' || isAbsolute(p) || p.startsWith('~')) return p;
  return posix.normalize(posix.join(base.split('\\').join('/'), p));
}

/** Milliseconds as a kelpie duration, at least `min` and at most the longest kelpie allows. */
export function duration(ms: number, min = 1): string {
  return formatDuration(Math.min(MAX_DURATION_MS, Math.max(min, Math.round(ms))));
}

const GO_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as docker compose writes them ("1m30s", "1.5s", "500ms"; a bare number is seconds) → ms, or null. */
export function goDuration(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(s)) return Number(s) * 1000;
  if (s === '' || !/^([0-9]+(\.[0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$/.test(s)) return null;
  let ms = 0;
  for (const m of s.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(m[1]) * (GO_UNITS[m[2]!] ?? 0);
  return ms;
}

/** A pm2 time: a number of ms, a numeric string (ms), or "10s" / "5m" / "1h" → ms, or null. */
export function pm2Duration(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(s)) return Number(s);
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)$/.exec(s);
  if (!m) return null;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(m[1]) * unit[m[2]!]!;
}

/**
 * Splits a command line into words the way docker compose does (shell quoting, no expansion):
 * 'single' quotes are literal, "double" quotes take \" \\ \$ \`, a backslash outside quotes
 * escapes the next character. null for an unterminated quote.
 */
export function shellWords(s: string): string[] | null {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return null;
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1]!)) j++;
        cur += s[j]!;
      }
      if (j >= s.length) return null;
      i = j;
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 < s.length) cur += s[++i]!;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** A signal number or name ("TERM", "SIGTERM", 15) as its SIG name on this platform, or null. */
export function signalName(v: unknown): string | null {
  const signals = constants.signals as Readonly<Record<string, number>>;
  if (typeof v === 'number') return Object.keys(signals).find((k) => signals[k] === v) ?? null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (/^[0-9]+$/.test(s)) return signalName(Number(s));
  const up = s.toUpperCase();
  const name = up.startsWith('SIG') ? up : `SIG${up}`;
  return name in signals ? name : null;
}

/** `s` as a regular expression matching it literally. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A value that asks for nothing: a default left in the file (watch: false, ignore_watch: [], replicas: 1). */
export function unset(v: unknown, one = false): boolean {
  return v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0) || (one && v === 1);
}

/** A plain object (not null, not an array)? */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A scalar as an environment value, or null for a value that is not one. */
export function envValue(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return null;
}

/** Env names kelpie accepts as table keys (any non-empty string works quoted). */
export function envTable(pairs: ReadonlyArray<readonly [string, string]>): Table | undefined {
  if (pairs.length === 0) return undefined;
  const t = new Table();
  for (const [k, v] of pairs) t.set(k, v);
  return t;
}

/**
 * "At most N restarts" as a kelpie start limit: more than N + 1 starts within the time N
 * restarts would take at `perStartMs` each (at least 10 s) puts the service in `failed`.
 */
export function startLimit(maxRestarts: number, perStartMs: number): Table {
  const burst = Math.max(1, Math.round(maxRestarts)) + 1;
  return new Table([
    ['burst', burst],
    ['interval', duration(Math.ceil(Math.max(10_000, burst * Math.max(1000, perStartMs)) / 1000) * 1000)],
  ]);
}

/** A fixed respawn delay as a kelpie backoff (initial = max). */
export function fixedBackoff(ms: number): Table {
  const d = duration(ms);
  return new Table([
    ['initial', d],
    ['max', d],
  ]);
}

/** Values a person can read in a warning. */
export function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export type { Value };
export { Table };
