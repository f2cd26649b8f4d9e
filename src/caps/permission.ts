// What a verified token allows: the intersection of its caveats. No caveat of a kind means
// no limit of that kind, so a token without caveats allows everything.
import { ACTIONS, FILTERED_ACTIONS, type Action } from './actions.js';
import type { Caveat } from './caveat.js';
import { anyMatch } from './glob.js';

/** The power of a verified token, for the daemon to consult per request. */
export class Permission {
  /** The actions every `actions` caveat allows. */
  readonly actions: ReadonlySet<Action>;
  /** One list of patterns per `services` caveat; a service must match one pattern of each. */
  readonly services: readonly (readonly string[])[];

  constructor(caveats: readonly Caveat[]) {
    let actions = new Set<Action>(ACTIONS);
    const services: (readonly string[])[] = [];
    for (const c of caveats) {
      if (c.kind === 'actions') actions = new Set(c.actions.filter((a) => actions.has(a)));
      else if (c.kind === 'services') services.push(c.patterns);
    }
    this.actions = actions;
    this.services = Object.freeze(services);
    Object.freeze(this);
  }

  /** Whether no `services` caveat limits this token. */
  get allServices(): boolean {
    return this.services.length === 0;
  }

  /** Whether results about `service` may be shown (filtering for status, logs, events, graph). */
  allowsService(service: string): boolean {
    return this.services.every((patterns) => anyMatch(patterns, service));
  }

  /**
   * Whether `action` may be done on `service`. With no service, the action concerns the daemon
   * as a whole: allowed when no `services` caveat applies, or for the read-only actions whose
   * results the caller filters with allowsService (FILTERED_ACTIONS).
   */
  allows(action: Action, service?: string): boolean {
    return this.refusal(action, service) === undefined;
  }

  /** Why `action` (on `service`) is refused, as said to the requester; undefined when allowed. */
  refusal(action: Action, service?: string): string | undefined {
    const on = service === undefined ? '' : ` on '${service}'`;
    if (!this.actions.has(action)) return `this capability does not allow '${action}'${on}`;
    if (service === undefined) {
      if (this.allServices || FILTERED_ACTIONS.has(action)) return undefined;
      return `this capability does not allow '${action}': it is limited to some services, and '${action}' concerns the whole daemon`;
    }
    return this.allowsService(service) ? undefined : `this capability does not allow '${action}'${on}`;
  }
}
