// The closed set of actions a capability can allow. Adding one is a format change: old
// daemons reject tokens that name an action they do not know (they fail closed).

/** Every action a capability can name, in the order the docs list them. */
export const ACTIONS = [
  'status', 'logs', 'start', 'stop', 'restart', 'signal', 'reload', 'add', 'remove',
  'run', 'trigger', 'grant', 'upgrade', 'shutdown', 'events', 'graph',
] as const;

/** One action a request performs. */
export type Action = (typeof ACTIONS)[number];

const KNOWN: ReadonlySet<string> = new Set(ACTIONS);

/** Whether `x` names an action. */
export function isAction(x: unknown): x is Action {
  return typeof x === 'string' && KNOWN.has(x);
}

/**
 * Daemon-wide actions a token limited to some services may still perform, because the daemon
 * filters what they return to the allowed services (see docs/capabilities.md).
 */
export const FILTERED_ACTIONS: ReadonlySet<Action> = new Set<Action>(['status', 'logs', 'events', 'graph']);
