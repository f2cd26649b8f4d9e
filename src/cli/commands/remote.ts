// kelpie remote add NAME URL | list | remove NAME: capability URLs saved under a name, in the
// user's remotes file (0600). `kelpie -r NAME …` then talks to that node.
import { readFileSync } from 'node:fs';
import { SERVICE_NAME_MAX, SERVICE_NAME_PATTERN } from '../../config/fields.js';
import { describeCapUrl, parseCapUrl } from '../../fleet/url.js';
import { remotesFile } from '../../protocol/remotes.js';
import { loadRemotes, saveRemotes } from '../../client/remotes.js';
import type { Command } from '../command.js';
import { out, printJson, usage } from '../output.js';

export const remote: Command = {
  name: 'remote',
  summary: 'saved capability URLs of other nodes: add NAME URL|- , list, remove NAME',
  usage: 'add NAME URL|- | list | remove NAME',
  args: [1, 3],
  async run(ctx) {
    const [sub, name, url] = ctx.args;
    const file = remotesFile();
    if (sub === 'list' && name === undefined) {
      const all = Object.entries(loadRemotes()).map(([n, u]) => {
        const r = parseCapUrl(u);
        return { name: n, where: r.ok ? describeCapUrl(r.url) : `(invalid: ${r.reason})`, fingerprint: r.ok ? r.url.fingerprint : null };
      });
      if (ctx.flags.json) printJson(all);
      else if (all.length === 0) out(`no remotes saved (${file})`);
      else for (const r of all) out(`${r.name.padEnd(16)} ${r.where}`);
      return 0;
    }
    if (sub === 'add' && name !== undefined && url !== undefined) {
      if (!new RegExp(SERVICE_NAME_PATTERN).test(name) || name.length > SERVICE_NAME_MAX) {
        throw usage(`remote add: invalid name ${JSON.stringify(name)}`, `a name matching ${SERVICE_NAME_PATTERN}`);
      }
      // "-" reads the URL from stdin, so the capability never shows in ps.
      const text = url === '-' ? readFileSync(0, 'utf8').trim() : url;
      const r = parseCapUrl(text);
      if (!r.ok) throw usage(`remote add ${name}: not a capability URL: ${r.reason}`, 'kelpie grant --url on the other node prints one');
      const all = loadRemotes();
      const replaced = all[name] !== undefined;
      all[name] = text;
      saveRemotes(all);
      if (ctx.flags.json) printJson({ name, where: describeCapUrl(r.url), replaced, file });
      else out(`${replaced ? 'replaced' : 'added'} remote ${name}: ${describeCapUrl(r.url)} (in ${file})`);
      return 0;
    }
    if (sub === 'remove' && name !== undefined && url === undefined) {
      const all = loadRemotes();
      if (all[name] === undefined) throw usage(`remote remove: no remote named "${name}" in ${file}`);
      delete all[name];
      saveRemotes(all);
      if (ctx.flags.json) printJson({ name, removed: true });
      else out(`removed remote ${name}`);
      return 0;
    }
    throw usage(`remote: expected add NAME URL, list or remove NAME`, `usage: kelpie remote ${remote.usage}`);
  },
};
