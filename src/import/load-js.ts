// A JavaScript ecosystem file (ecosystem.config.js / .cjs / .mjs) → its exported value as JSON
// text. The module runs in a child `node` process, never in kelpie's own: it is the user's code
// and may do anything at load time (read process.env, require dotenv, print).
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { ImportError } from './common.js';

/**
 * The child: imports the file (ESM or CommonJS), falls back to compiling it as CommonJS when it
 * is a `.js` CommonJS file inside a `"type": "module"` package, and writes the exported value
 * as JSON to stdout. Anything the module itself prints goes to stderr.
 */
const CHILD = String.raw`
import { readFileSync } from 'node:fs';
import { Module } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
const file = process.argv[process.argv.length - 1];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
let value;
try {
  const ns = await import(pathToFileURL(file).href);
  value = ns.default !== undefined ? ns.default : { ...ns };
} catch (e) {
  if (!(e instanceof ReferenceError) || !/\b(module|exports|require|__dirname|__filename)\b/.test(e.message)) throw e;
  const m = new Module(file);
  m.filename = file;
  m.paths = Module._nodeModulePaths(dirname(file));
  m._compile(readFileSync(file, 'utf8'), file);
  value = m.exports;
}
write(JSON.stringify(value === undefined ? null : value), () => process.exit(0));
`;

/** Runs `file` in a child node and returns what it exports, as JSON text. */
export function loadJsModule(file: string, timeoutMs = 15_000): Promise<string> {
  const abs = resolve(file);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, abs], {
      cwd: dirname(abs),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(new ImportError(`cannot run node to read it: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && out !== '') return done(out);
      const why = signal === 'SIGKILL' ? `it did not finish within ${timeoutMs / 1000} s` : lastError(err) || `node exited with ${signal ?? `code ${code}`}`;
      fail(new ImportError(`cannot be loaded as a JavaScript module: ${why}`));
    });
  });
}

/** The most telling line of a node error output: the "XxxError: …" line. */
function lastError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^[A-Za-z]*Error\b/.test(l)) ?? lines.at(-1) ?? '';
}
