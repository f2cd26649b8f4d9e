// Dependency lists in a service table: names (wants, after, provides) and requires items (a
// name, or { service, condition }). Only their form is checked here; link.ts resolves the names.
import { SERVICE_NAME_MAX, SERVICE_NAME_PATTERN, type Fields } from './fields.js';
import { render, type Loc, type TNode, type TTable } from './toml.js';
import { BAD, type Bad, type Out } from './values.js';
import type { Issues } from './issues.js';
import type { Located } from './check.js';
import type { DepCondition } from './types.js';

/** One `requires` item as written. */
export interface DepItem {
  readonly service: string;
  /** Absent when left out: the default depends on the kind of the required service. */
  readonly condition?: DepCondition;
  /** Where the item (the name, or its table) was written. */
  readonly loc: Loc;
  /** Where the condition was written, when it was. */
  readonly conditionLoc?: Loc;
}

const NAME_RE = new RegExp(SERVICE_NAME_PATTERN);
const NAME_EXPECTED = `a service name matching ${SERVICE_NAME_PATTERN}, at most ${SERVICE_NAME_MAX} characters`;

/** True when `s` is a valid service name or alias. */
export function isServiceName(s: string): boolean {
  return NAME_RE.test(s) && s.length <= SERVICE_NAME_MAX;
}

/** `requires = "db"` → a hint to write an array. */
function notArray(node: TNode, path: string, bad: Bad): typeof BAD {
  const key = path.slice(path.lastIndexOf('.') + 1);
  return bad(node.kind === 'string' ? { hint: `write an array: ${key} = [${JSON.stringify(node.value)}]` } : {});
}

/** An array of names → Located[]; each bad item is reported at its own place. */
export function checkNames(node: TNode, path: string, issues: Issues, bad: Bad): Out {
  if (node.kind !== 'array') return notArray(node, path, bad);
  const out: Located[] = [];
  for (const [i, item] of node.items.entries()) {
    if (item.kind === 'string' && isServiceName(item.value)) out.push({ value: item.value, loc: item.loc });
    else issues.add(item.loc, `${path}[${i}]`, { expected: NAME_EXPECTED, received: render(item) });
  }
  return out.length === node.items.length ? out : BAD;
}

type CheckTable = (node: TTable, fields: Fields, path: string, issues: Issues) => Record<string, unknown>;

/** An array of requirements → DepItem[]; items are names or tables of `fields`. */
export function checkDeps(node: TNode, fields: Fields, path: string, issues: Issues, bad: Bad, checkTable: CheckTable): Out {
  if (node.kind !== 'array') return notArray(node, path, bad);
  const out: DepItem[] = [];
  for (const [i, item] of node.items.entries()) {
    const at = `${path}[${i}]`;
    if (item.kind === 'string' && isServiceName(item.value)) {
      out.push({ service: item.value, loc: item.loc });
    } else if (item.kind === 'table') {
      const before = issues.list.length;
      const t = checkTable(item, fields, at, issues);
      const service = t['service'];
      const serviceNode = item.entries.get('service')?.node;
      if (typeof service === 'string' && serviceNode && !isServiceName(service)) {
        issues.add(serviceNode.loc, `${at}.service`, { expected: NAME_EXPECTED, received: render(serviceNode) });
      }
      if (issues.list.length > before || typeof service !== 'string') continue;
      const conditionNode = item.entries.get('condition')?.node;
      out.push({
        service,
        loc: item.loc,
        ...(t['condition'] !== undefined && { condition: t['condition'] as DepCondition }),
        ...(conditionNode && { conditionLoc: conditionNode.loc }),
      });
    } else {
      issues.add(item.loc, at, { expected: `${NAME_EXPECTED}, or a table like { service = "db", condition = "ready" }`, received: render(item) });
    }
  }
  return out.length === node.items.length ? out : BAD;
}
