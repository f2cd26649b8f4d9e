// kelpie.toml (and its includes) → a validated, deeply frozen Config, or every issue found.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { checkTable, type Located, type MapEntry } from './check.js';
import { topFields, type Fields } from './fields.js';
import { deepFreeze } from './freeze.js';
import { expandInclude } from './glob.js';
import { Issues } from './issues.js';
import { link, type Draft } from './link.js';
import { buildProcesses, buildService, originOf, type Origin } from './service.js';
import type { DepItem } from './refs.js';
import { parseToml, type TTable } from './toml.js';
import type { ConfigIssue, DashboardSpec, LoadResult, LogSpec } from './types.js';
import { checkFleet } from './fleet.js';

/** Keys an included file may hold; `include`, `[log]` and `[dashboard]` belong to the main file only. */
const includedFields: Fields = { services: topFields.services! };

/** Loads and validates `file`. Issue file names are spelled as `file` was (includes joined onto it). */
export function loadConfig(file: string): LoadResult {
  const abs = resolve(file);
  const main: Origin = { abs, display: file, dir: dirname(abs) };
  const issues = new Issues(file);
  const root = readToml(main, issues);
  if (root === undefined) return done(issues.list);

  const files = [abs];
  const top = checkTable(root, topFields, '', issues);
  const globalLog = top['log'] as LogSpec;
  const drafts: Draft[] = [];
  const definedAt = new Map<string, string>();
  const add = (entries: unknown, origin: Origin, sink: Issues): void => {
    for (const e of (entries as MapEntry[] | undefined) ?? []) {
      const first = definedAt.get(e.key);
      if (first !== undefined) {
        sink.add(e.keyLoc, `services.${e.key}`, {
          message: `service ${JSON.stringify(e.key)} is already defined at ${first}; it is defined again here at ${origin.display}:${e.keyLoc.line}`,
          hint: 'define each service once; rename one of them or remove the duplicate',
        });
        continue;
      }
      const at = `${origin.display}:${e.keyLoc.line}`;
      definedAt.set(e.key, at);
      const base = buildService(e, origin, globalLog, sink);
      if (!base || base.processes.length === 0) {
        drafts.push({ name: e.key, display: origin.display, at, sink, checked: e.value, base });
        continue;
      }
      // A multi-process service: each process is a service NAME:PROC with the service's
      // requirements; the service itself becomes a target requiring all of them (ready).
      const procs = buildProcesses(e, origin, base, sink);
      const checkedProc = { ...e.value, kind: 'longrun', provides: [] };
      for (const p of procs ?? []) drafts.push({ name: p.name, display: origin.display, at, sink, checked: checkedProc, base: p });
      const requires = [...((e.value['requires'] as DepItem[] | undefined) ?? []), ...base.processes.map((n) => ({ service: n, condition: 'ready' as const, loc: e.loc }))];
      drafts.push({ name: e.key, display: origin.display, at, sink, checked: { ...e.value, kind: 'target', requires }, base: procs ? { ...base, kind: 'target' } : undefined });
    }
  };
  add(top['services'], main, issues);

  const seen = new Set([abs]);
  for (const pattern of (top['include'] as Located[] | undefined) ?? []) {
    const r = expandInclude(pattern.value, main.dir);
    if (!r.ok) {
      issues.add(pattern.loc, 'include', { message: `cannot include ${JSON.stringify(pattern.value)}: ${r.message}`, received: JSON.stringify(pattern.value) });
      continue;
    }
    for (const inc of r.files) {
      if (seen.has(inc)) continue; // a file matched twice (or the main file itself) is read once
      seen.add(inc);
      const origin = originOf(isAbsolute(pattern.value) ? inc : relative(main.dir, inc), main);
      const sink = issues.forFile(origin.display);
      const incRoot = readToml(origin, sink);
      if (incRoot === undefined) continue;
      files.push(inc);
      add(checkTable(onlyServices(incRoot, sink), includedFields, '', sink)['services'], origin, sink);
    }
  }
  const services = link(drafts);
  const fleet = checkFleet(root, top, services, issues, abs);
  if (issues.list.length > 0) return done(issues.list);
  return deepFreeze({ ok: true, config: { file: abs, files, global: { log: globalLog, dashboard: top['dashboard'] as DashboardSpec, ...fleet }, services } });
}

function readToml(origin: Origin, issues: Issues): TTable | undefined {
  let text: string;
  try {
    text = readFileSync(origin.abs, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    issues.add({ line: 0, column: 0 }, '', { message: `cannot read config file ${origin.display}: ${why}` });
    return undefined;
  }
  const parsed = parseToml(text);
  if (parsed.ok) return parsed.root;
  issues.add(parsed.error.loc, '', { message: `invalid TOML: ${parsed.error.message}` });
  return undefined;
}

/** Reports main-file-only keys in an included file and drops them, so they are not also "unknown". */
function onlyServices(root: TTable, issues: Issues): TTable {
  const entries = new Map(root.entries);
  for (const key of ['include', 'log', 'dashboard', 'api', 'remotes']) {
    const e = entries.get(key);
    if (!e) continue;
    issues.add(e.keyLoc, key, { message: `${JSON.stringify(key)} is only allowed in the main config file`, hint: 'included files may only define [services.*]' });
    entries.delete(key);
  }
  return { ...root, entries };
}

/** Issues in file order (main file first, as discovered), then by position. */
function done(list: ConfigIssue[]): LoadResult {
  const rank = new Map<string, number>();
  for (const i of list) if (!rank.has(i.file)) rank.set(i.file, rank.size);
  const sorted = [...list].sort((a, b) => (rank.get(a.file) ?? 0) - (rank.get(b.file) ?? 0) || a.line - b.line || a.column - b.column);
  return deepFreeze({ ok: false, issues: sorted });
}
