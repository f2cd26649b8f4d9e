// Shared fast-check arbitraries and a reference model of caveats, written independently of
// src/caps/permission.ts so the properties compare two implementations.
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { ACTIONS, type Action, type Caveat } from '../../src/caps/index.js';

/** One root key for a whole test file. */
export const KEY = randomBytes(32);

/** A small alphabet, so random names and patterns often match each other. */
export const name = fc.string({ unit: fc.constantFrom('a', 'b', '-', '1'), minLength: 1, maxLength: 5 });
export const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '-', '*', '?'), minLength: 1, maxLength: 5 });
export const NODES = ['node-1', 'node-2'];

export const caveat: fc.Arbitrary<Caveat> = fc.oneof(
  fc.record({ kind: fc.constant('services' as const), patterns: fc.array(pattern, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('actions' as const), actions: fc.subarray([...ACTIONS]) }),
  fc.record({ kind: fc.constant('expires' as const), at: fc.integer({ min: 0, max: 2000 }) }),
  fc.record({ kind: fc.constant('node' as const), fingerprint: fc.constantFrom(...NODES) }),
);
export const chain = fc.array(caveat, { maxLength: 6 });

/** A request: an action, on a service or (undefined) on the daemon as a whole. */
export const query = fc.record({ action: fc.constantFrom(...ACTIONS), service: fc.option(name, { nil: undefined }) });
export const queries = fc.array(query, { minLength: 1, maxLength: 12 });
export const context = fc.record({ now: fc.integer({ min: 0, max: 2000 }), nodeFingerprint: fc.constantFrom(...NODES) });

/** A glob matcher built on regular expressions, to check the two-pointer one against. */
export function refGlob(p: string, n: string): boolean {
  const body = [...p].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\-]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's').test(n);
}

const FILTERED = ['status', 'logs', 'events', 'graph'];

/** Whether one caveat, taken alone, holds for this request at this place and time. */
export function holds(c: Caveat, a: Action, s: string | undefined, ctx: { now: number; nodeFingerprint: string }): boolean {
  switch (c.kind) {
    case 'actions': return c.actions.includes(a);
    case 'services': return s === undefined ? FILTERED.includes(a) : c.patterns.some((p) => refGlob(p, s));
    case 'expires': return ctx.now < c.at;
    case 'node': return c.fingerprint === ctx.nodeFingerprint;
  }
}
