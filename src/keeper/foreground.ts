// Foreground output: every service line on kelpie's stdout, prefixed and coloured per
// service (foreman / overmind style). Colour only on a terminal, and never with NO_COLOR.
import type { LogLine } from '../protocol/keeper.js';

const PALETTE = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

/** Returns a line printer for foreground mode. */
export function foregroundPrinter(out: NodeJS.WriteStream = process.stdout, color?: boolean): (l: LogLine) => void {
  const colour = color ?? (out.isTTY === true && !process.env.NO_COLOR);
  const width = { n: 8 };
  const colours = new Map<string, number>();
  return (l) => {
    width.n = Math.max(width.n, l.service.length);
    let c = colours.get(l.service);
    if (c === undefined) {
      c = PALETTE[colours.size % PALETTE.length] ?? 36;
      colours.set(l.service, c);
    }
    const name = l.service.padEnd(width.n);
    const prefix = colour ? `\x1b[${c}m${name} |\x1b[0m` : `${name} |`;
    out.write(`${prefix} ${l.text}\n`);
  };
}
