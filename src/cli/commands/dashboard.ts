// kelpie dashboard: asks the daemon for a one-time login link to the web dashboard (acting
// with this CLI's capability), prints it, and opens it in a browser where one can be shown.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { restoreDeferred } from '../../os/daemon-env.js';
import type { Command } from '../command.js';
import { c, out, printJson, when } from '../output.js';

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, cmd)));
}

/** Opens `url` with xdg-open when a graphical session exists; false when it cannot try. */
function openBrowser(url: string): boolean {
  // Without a display, xdg-open may start a text browser on this very terminal.
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  if (!onPath('xdg-open')) return false;
  const env = restoreDeferred({ ...process.env } as Record<string, string>); // the person's environment (bin/kelpie)
  const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore', env });
  child.on('error', () => {});
  child.unref();
  return true;
}

/** `kelpie dashboard`. */
export const dashboard: Command = {
  name: 'dashboard',
  summary: 'print (and open) a one-time link to the web dashboard',
  usage: '[--no-open]',
  args: [0, 0],
  options: { 'no-open': { type: 'boolean' } },
  async run(ctx) {
    const client = ctx.client();
    const link = await client.dashboard();
    if (ctx.flags.json) {
      printJson(link);
      return 0;
    }
    // A link works once: the browser gets one, the terminal another.
    if (!ctx.values['no-open'] && openBrowser(link.url)) {
      const spare = await client.dashboard();
      out(`opened the dashboard in your browser; another one-time link:`);
      out(spare.url);
      out(c.dim(`each link logs one browser in with your capability; valid once, until ${when(spare.expiresAt)}`));
      return 0;
    }
    out(link.url);
    out(c.dim(`a one-time link: it logs one browser in with your capability; valid until ${when(link.expiresAt)}`));
    return 0;
  },
};
