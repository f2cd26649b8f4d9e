// Collecting ConfigIssues while validating one file, and "did you mean" suggestions.
import type { ConfigIssue } from './types.js';
import type { Loc } from './toml.js';

/** What went wrong at one place; `message` defaults to "expected X, got Y". */
export interface IssueInput {
  readonly message?: string;
  readonly received?: string;
  readonly expected?: string;
  readonly hint?: string;
}

/** Issue sink for one file (named as the user would recognise it). */
export class Issues {
  constructor(
    readonly file: string,
    readonly list: ConfigIssue[] = [],
  ) {}

  /** The same sink, reporting against another file. */
  forFile(file: string): Issues {
    return new Issues(file, this.list);
  }

  add(loc: Loc, field: string, i: IssueInput): void {
    const message = i.message ?? `expected ${i.expected ?? 'a valid value'}${i.received === undefined ? '' : `, got ${i.received}`}`;
    const issue: ConfigIssue = { file: this.file, line: loc.line, column: loc.column, field, message };
    if (i.received !== undefined) Object.assign(issue, { received: i.received });
    if (i.expected !== undefined) Object.assign(issue, { expected: i.expected });
    if (i.hint !== undefined) Object.assign(issue, { hint: i.hint });
    this.list.push(issue);
  }
}

/** Edit distance counting insertions, deletions, substitutions and adjacent swaps as 1 each. */
export function levenshtein(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i]!;
    const up = d[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within edit distance 2 or sharing a prefix (3+ chars), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = levenshtein(w, lc);
    const prefix = Math.min(w.length, lc.length) >= 3 && (lc.startsWith(w) || w.startsWith(lc));
    const score = d <= 2 ? d : prefix ? 3 : Infinity;
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/** `did you mean "x"?`, or undefined when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const c = closest(word, candidates);
  return c === undefined ? undefined : `did you mean "${c}"?`;
}
