// Bundles the three programs (CLI, keeper, controller) with esbuild, and the web dashboard
// (src/web → dist/web: one script with its libraries, its page and stylesheet; no CDN).
// koffi stays external: it loads a native module from its own package directory.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// The build id: a hash of every source file, so a running daemon can tell it is older
// than the code now installed.
function sources(dir) {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : [p];
  });
}
const hash = createHash('sha256');
for (const f of sources('src')) hash.update(f).update(readFileSync(f));
const buildId = hash.digest('hex').slice(0, 12);

const result = await build({
  metafile: true,
  entryPoints: {
    cli: 'src/cli/main.ts',
    keeper: 'src/keeper/main.ts',
    controller: 'src/controller/main.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['koffi'],
  define: { KELPIE_VERSION: JSON.stringify(pkg.version), KELPIE_BUILD: JSON.stringify(buildId) },
  banner: {
    // Bundled CommonJS dependencies may call require(); give ESM output one. It is made on
    // first use: every chunk carries this banner, and making a require for each chunk a
    // command loads cost about 1.5 ms of `kelpie status` (12 chunks), which calls none.
    js: "import { createRequire as __kelpieCreateRequire } from 'node:module'; let __kelpieRequire; function require(id) { return (__kelpieRequire ??= __kelpieCreateRequire(import.meta.url))(id); }",
  },
  logLevel: 'warning',
});

// Where bin/kelpie starts: `kelpie status` and `kelpie down` as one small CommonJS file, which
// Node loads without its ES module loader (src/cli/fast.ts); it hands other commands to cli.js.
const fast = await build({
  metafile: true,
  entryPoints: { 'cli-fast': 'src/cli/fast.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['koffi'],
  define: { KELPIE_VERSION: JSON.stringify(pkg.version), KELPIE_BUILD: JSON.stringify(buildId) },
  logLevel: 'warning',
});

// Chunk names change with their content, so old ones pile up in dist/. Keep this build's
// files and the previous build's (a daemon started from it may still load one of its
// chunks, e.g. `kelpie up` in the foreground loads the keeper lazily); with --clean
// (npm pack's prepack), keep only this build's.
const outputs = [...Object.keys(result.metafile.outputs), ...Object.keys(fast.metafile.outputs)].map((o) => o.replace(/^dist\//, ''));
const manifest = join('dist', '.outputs.json');
let previous = [];
if (!process.argv.includes('--clean') && existsSync(manifest)) {
  try {
    previous = JSON.parse(readFileSync(manifest, 'utf8'));
  } catch {
    previous = [];
  }
}
const keep = new Set([...outputs, ...previous, '.outputs.json', 'web']);
for (const name of readdirSync('dist')) if (!keep.has(name)) rmSync(join('dist', name), { force: true });
writeFileSync(manifest, JSON.stringify(outputs) + '\n');

// The dashboard: the browser's bundle, its page and stylesheet. Each file is replaced by a
// rename, so a dashboard served from dist/web while a build runs never reads half a file.
const web = join('dist', 'web');
mkdirSync(web, { recursive: true });
const bundle = await build({
  entryPoints: { app: 'src/web/app.ts' },
  outdir: web,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
  write: false,
});
const files = new Map(bundle.outputFiles.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1), f.contents]));
for (const f of ['index.html', 'app.css', 'favicon.svg']) files.set(f, readFileSync(join('src', 'web', f)));
// The bundled libraries' licences, in full, beside the bundle that carries them.
const licences = ['@dagrejs/dagre', '@dagrejs/graphlib'].map((p) => `${p}:\n\n${readFileSync(join('node_modules', p, 'LICENSE'), 'utf8')}`);
files.set('app.js.LEGAL.txt', Buffer.concat([Buffer.from(files.get('app.js.LEGAL.txt') ?? ''), Buffer.from(`\n${licences.join('\n')}`)]));
for (const [name, contents] of files) {
  const tmp = join(web, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, contents);
  renameSync(tmp, join(web, name));
}
for (const name of readdirSync(web)) if (!files.has(name) && !name.endsWith('.tmp')) rmSync(join(web, name), { force: true });
