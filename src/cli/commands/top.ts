// kelpie top: a live table of the services with CPU and memory (keys: ↑/↓ or k/j select,
// r restart, l logs, q quit). Not on a terminal, it prints the table once. The daemon samples
// CPU and memory only while this (or another watcher) follows them.
import type { Client } from '../../client/client.js';
import type { LogEntry, StatusResult, UsageSample } from '../../protocol/api.js';
import { KelpieError } from '../../protocol/errors.js';
import type { Command } from '../command.js';
import { c, out, printJson } from '../output.js';
import { table } from '../top-table.js';

/** The second usage sample (the first has no CPU percent yet), or the first after `ms`. */
async function settledUsage(client: Client, ms: number): Promise<UsageSample | null> {
  const ac = new AbortController();
  let last: UsageSample | null = null;
  const t = setTimeout(() => ac.abort(), ms);
  await client.followUsage((u) => {
    const first = last === null;
    last = u;
    if (!first || u.services.length === 0) ac.abort();
  }, ac.signal);
  clearTimeout(t);
  return last;
}

async function once(client: Client, json: boolean): Promise<number> {
  const usage = await settledUsage(client, 5000);
  const status = await client.status();
  if (json) printJson({ status, usage });
  else for (const l of table(status, usage, Date.now())) out(l.trimEnd());
  return 0;
}

async function live(client: Client): Promise<number> {
  const ac = new AbortController();
  let status: StatusResult = await client.status();
  let usage: UsageSample | null = null;
  let selected = 0;
  let message = '';
  let logsOf: string | null = null;
  let logLines: LogEntry[] = [];
  let logAbort: AbortController | null = null;
  const o = process.stdout;

  const render = (): void => {
    const rows = o.rows || 24;
    selected = Math.max(0, Math.min(selected, status.services.length - 1));
    const lines = [`${c.bold('kelpie top')}  ${status.services.length} service(s)  ${c.dim(new Date().toISOString().slice(11, 19) + 'Z')}`, ''];
    lines.push(...table(status, usage, Date.now(), selected));
    if (logsOf !== null) {
      lines.push('', c.bold(`logs of ${logsOf}`) + c.dim('  (l closes)'));
      const room = Math.max(3, rows - lines.length - 3);
      for (const l of logLines.slice(-room)) lines.push(`${c.dim(l.at.slice(11, 19))} ${l.stream.startsWith('err') ? c.red('!') : ' '}${l.text}`.slice(0, (o.columns || 80) + 20));
    }
    lines.push('', c.dim('↑/↓ select   r restart   l logs   q quit') + (message ? `   ${message}` : ''));
    // Home, each line then clear its rest, clear below: no flicker from clearing the screen first.
    o.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
  };

  const followLogs = (): void => {
    logAbort?.abort();
    logLines = [];
    if (logsOf === null) return;
    logAbort = new AbortController();
    client.followLogs([logsOf], 200, (l) => {
      logLines.push(l);
      if (logLines.length > 500) logLines = logLines.slice(-200);
      render();
    }, logAbort.signal).catch((err: unknown) => {
      message = c.red(err instanceof KelpieError ? err.message : String(err));
      render();
    });
  };

  let pending = false;
  const refresh = (): void => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      client.status().then((s) => {
        status = s;
        render();
      }, () => {});
    }, 50);
  };

  let quit = (): void => {};
  const done = new Promise<void>((r) => (quit = r));
  const onKey = (buf: Buffer): void => {
    const k = buf.toString('latin1');
    const name = status.services[selected]?.name;
    if (k === 'q' || k === '\x03' || k === '\x1b') return quit();
    if (k === '\x1b[A' || k === 'k') selected--;
    else if (k === '\x1b[B' || k === 'j') selected++;
    else if (k === 'r' && name) {
      message = `restarting ${name}…`;
      client.act('restart', [name], { wait: false }).then(() => { message = `restart of ${name} requested`; render(); }, (err: unknown) => {
        message = c.red(err instanceof KelpieError ? err.message : String(err));
        render();
      });
    } else if (k === 'l') {
      logsOf = logsOf === null && name ? name : null;
      followLogs();
    }
    selected = Math.max(0, Math.min(selected, status.services.length - 1));
    const now = status.services[selected]?.name ?? null;
    if (logsOf !== null && now !== logsOf) {
      logsOf = now;
      followLogs();
    }
    render();
  };

  o.write('\x1b[?1049h\x1b[?25l');
  process.stdin.setRawMode(true);
  process.stdin.resume();
  process.stdin.on('data', onKey);
  process.once('SIGINT', () => quit());
  process.once('SIGTERM', () => quit());
  o.on('resize', render);
  const tick = setInterval(render, 1000);
  void client.events(() => refresh(), ac.signal).catch(() => {});
  void client.followUsage((u) => {
    usage = u;
    render();
  }, ac.signal).catch(() => {});
  render();
  await done;
  clearInterval(tick);
  ac.abort();
  (logAbort as AbortController | null)?.abort();
  process.stdin.off('data', onKey);
  process.stdin.setRawMode(false);
  process.stdin.pause();
  o.write('\x1b[?25h\x1b[?1049l');
  return 0;
}

/** `kelpie top`. */
export const top: Command = {
  name: 'top',
  summary: 'live table of services with CPU and memory (plain once when not a terminal)',
  usage: '[--once]',
  args: [0, 0],
  options: { once: { type: 'boolean' } },
  async run(ctx) {
    const client = ctx.client();
    if (ctx.flags.json || ctx.values.once || !process.stdout.isTTY || !process.stdin.isTTY) return once(client, ctx.flags.json);
    return live(client);
  },
};
