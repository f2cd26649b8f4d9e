// `kelpie import`: other tools' files → kelpie.toml. Each converter is a pure function of the
// input text; only a JavaScript pm2 file needs a child process (load-js.ts) to become JSON first.
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FORMATS, isObject, type Format, type ImportOptions, type ImportResult } from './common.js';
import { convertCompose } from './compose.js';
import { convertPm2 } from './pm2.js';
import { convertProcessCompose } from './process-compose.js';
import { convertProcfile } from './procfile.js';

export { FORMATS, ImportError, type Format, type ImportOptions, type ImportResult } from './common.js';
export { convertCompose } from './compose.js';
export { convertPm2, convertPm2Data } from './pm2.js';
export { convertProcessCompose } from './process-compose.js';
export { convertProcfile } from './procfile.js';
export { loadJsModule } from './load-js.js';

/** Converts `text` read as `format`. */
export function convert(format: Format, text: string, opts: ImportOptions = {}): ImportResult {
  switch (format) {
    case 'procfile':
      return convertProcfile(text, opts);
    case 'pm2':
      return convertPm2(text, opts);
    case 'compose':
      return convertCompose(text, opts);
    case 'process-compose':
      return convertProcessCompose(text, opts);
  }
}

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}

/** A JavaScript file, which must be run (in a child node) to be read. */
export function isJsFile(file: string): boolean {
  return ['.js', '.cjs', '.mjs'].includes(extname(file).toLowerCase());
}

/** The format of `file` from its name, else from its content; null when neither tells. */
export function detectFormat(file: string, text: string): Format | null {
  const name = basename(file).toLowerCase();
  if (/^procfile(\.|$)/.test(name) || name.endsWith('.procfile')) return 'procfile';
  if (/^process-compose.*\.ya?ml$/.test(name)) return 'process-compose';
  if (/^(docker-)?compose.*\.ya?ml$/.test(name)) return 'compose';
  if (/^(ecosystem|pm2|processes)\b.*\.(json|ya?ml|js|cjs|mjs)$/.test(name) || isJsFile(name)) return 'pm2';
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    try {
      data = parseYaml(text, { merge: true });
    } catch {
      data = undefined;
    }
  }
  if (Array.isArray(data) && data.every((a) => isObject(a) && 'script' in a)) return 'pm2';
  if (isObject(data)) {
    if (isObject(data['processes'])) return 'process-compose';
    if (Array.isArray(data['apps'])) return 'pm2';
    if (isObject(data['services'])) return 'compose';
    if ('script' in data) return 'pm2';
  }
  // `web: bundle exec puma` is also YAML; a Procfile is every non-comment line "name: command".
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length > 0 && lines.every((l) => /^[A-Za-z0-9_.-]+[ \t]*:[ \t]*\S/.test(l))) return 'procfile';
  return null;
}
