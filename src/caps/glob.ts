// Service-name globs for the `services` caveat: `*` is any run of characters (also none),
// `?` exactly one; everything else matches itself, case-sensitively. No classes, no escapes.
// Two-pointer matching: O(pattern × name) at worst, never exponential backtracking.

/** Characters a service pattern may hold: service-name characters, `:` and `/` for remote refs, `*`, `?`. */
export const PATTERN_RE = /^[A-Za-z0-9_.@:/*?-]{1,128}$/;

/** Whether `name` matches `pattern` as a whole. */
export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1; // position of the last `*` seen in the pattern
  let resume = 0; // where in the name that `*` will next try to end
  while (n < name.length) {
    const c = pattern[p];
    if (c === '?' || (c !== undefined && c !== '*' && c === name[n])) {
      p++;
      n++;
    } else if (c === '*') {
      star = p++;
      resume = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Whether any of `patterns` matches `name`. */
export function anyMatch(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => globMatch(p, name));
}
