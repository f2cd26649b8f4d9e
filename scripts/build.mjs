// Bundles the three programs (CLI, keeper, controller) with esbuild.
// koffi stays external: it loads a native module from its own package directory.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
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
  define: { KELPIE_VERSION: JSON.stringify(pkg.version) },
  banner: {
    // Bundled CommonJS dependencies may call require(); give ESM output one.
    js: "import { createRequire as __kelpieCreateRequire } from 'node:module'; const require = __kelpieCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
