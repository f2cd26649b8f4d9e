// While a start waits: what each service is doing. On a terminal, one live line per service,
// redrawn in place; otherwise plain lines as states change. Closed once the request returns.
import type { Client } from '../client/client.js';
import type { KelpieEvent } from '../protocol/api.js';
import { c, stateText } from './output.js';

/** Shows progress until the returned function is called. */
export function showProgress(client: Client, out: NodeJS.WriteStream = process.stderr): () => void {
  const ac = new AbortController();
  const tty = out.isTTY === true;
  const lines = new Map<string, string>();
  let drawn = 0;
  const draw = (): void => {
    if (drawn > 0) out.write(`\x1b[${drawn}A`);
    for (const [name, text] of lines) out.write(`\x1b[2K  ${name.padEnd(16)} ${text}\n`);
    drawn = lines.size;
  };
  const on = (e: KelpieEvent): void => {
    if (e.type !== 'state' || !e.service || !e.state) return;
    const text = `${stateText(e.state)}${e.message ? c.dim(`  ${e.message}`) : ''}`;
    if (lines.get(e.service) === text) return;
    lines.set(e.service, text);
    if (tty) draw();
    else out.write(`  ${e.service.padEnd(16)} ${e.state}${e.message ? `  ${e.message}` : ''}\n`);
  };
  // Only what happens from now on: the request being waited for starts after this.
  void client
    .status()
    .then(() => client.events(on, ac.signal, Number.MAX_SAFE_INTEGER))
    .catch(() => {});
  return () => {
    ac.abort();
    if (tty && drawn > 0) {
      out.write(`\x1b[${drawn}A`);
      for (let i = 0; i < drawn; i++) out.write('\x1b[2K\n');
      out.write(`\x1b[${drawn}A`);
    }
  };
}
