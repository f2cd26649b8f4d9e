// The shape of one CLI command.
import type { ParseArgsConfig } from 'node:util';
import type { Ctx } from './context.js';

/** One `kelpie <verb>`. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Arguments after the verb, for help: "[SVC…]". */
  readonly usage: string;
  readonly options?: NonNullable<ParseArgsConfig['options']>;
  /** Minimum and maximum positional arguments. */
  readonly args?: readonly [number, number];
  run(ctx: Ctx): Promise<number>;
}
