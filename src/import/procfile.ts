// Procfile (foreman, honcho, heroku local, overmind) → kelpie.toml.
// `name: command` per line; comments and blank lines are skipped. Each command is a string,
// run by /bin/sh -c as foreman does. foreman gives each process type a PORT (5000, 5100, …);
// where a command uses $PORT the same value is set in env.
import { Draft, ImportError, type ImportOptions, type ImportResult } from './common.js';
import { Table } from './toml.js';

const LINE = /^([A-Za-z0-9_.-]+)[ \t]*:[ \t]*(.*)$/;

/** Converts Procfile text. */
export function convertProcfile(text: string, opts: ImportOptions = {}): ImportResult {
  const d = new Draft('procfile', opts);
  const seen = new Map<string, number>();
  let index = 0;
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const at = `line ${i + 1}`;
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) {
      d.warn(at, `not a "name: command" line, skipped: ${JSON.stringify(line.length > 60 ? line.slice(0, 57) + '...' : line)}`);
      continue;
    }
    const source = m[1]!;
    const command = m[2]!.trim();
    if (command === '') {
      d.warn(`${at} (${source})`, 'no command, skipped');
      continue;
    }
    const first = seen.get(source);
    if (first !== undefined) {
      d.warn(`${at} (${source})`, `process type ${JSON.stringify(source)} is already defined on line ${first}; this line is skipped`);
      continue;
    }
    seen.set(source, i + 1);
    const name = d.name(source, `${at} (${source})`);
    const comments: string[] = [];
    const s = d.add(name, comments);
    if (source === 'release') {
      // Heroku runs the release process once per deploy, not as a dyno.
      s.t.set('kind', 'oneshot');
      s.t.set('command', command);
      s.t.set('autostart', false);
      comments.push('heroku runs "release" once per deploy: here a oneshot, started by hand (kelpie start release)');
      d.warn(`${at} (release)`, 'heroku\'s release phase runs once per deploy; it is a oneshot with autostart = false (run it with `kelpie start release`)');
    }
    s.t.set('command', command);
    s.t.set('cwd', d.defaultCwd());
    if (opts.envFile) s.t.set('env_file', d.path(opts.envFile));
    const port = 5000 + 100 * index;
    if (/\$\{?PORT\b/.test(command)) {
      s.t.set('env', new Table([['PORT', String(port)]]));
      comments.push(`PORT as foreman assigns it (5000 + 100 per process type); change it freely`);
    }
    index++;
  }
  if (d.services.size === 0) {
    if (lines.some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) throw new ImportError('no "name: command" line found: this does not look like a Procfile');
  }
  return d.result();
}
