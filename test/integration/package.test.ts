// The npm package as a user gets it: `npm pack`, then `npm install -g` of the tarball into an
// empty prefix, then the installed `kelpie` on a fresh project (init, check, up -d, status,
// down). Also: the tarball holds only what the package needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { ROOT, waitGone } from '../helpers/project.js';

const run = promisify(execFile);

interface PackEntry {
  filename: string;
  files: Array<{ path: string }>;
}

test('npm pack + npm install -g of the tarball into an empty prefix gives a working kelpie', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'kelpie-pack-'));
  const mark = randomUUID();
  const env = { ...process.env, NO_COLOR: '1', KELPIE_TEST_MARK: mark, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  try {
    // prepack rebuilds dist/ with --clean: the same sources give the same chunk names, so the
    // daemons of tests running beside this one keep their files.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 });
    const [pack] = JSON.parse(stdout.slice(stdout.indexOf('['))) as PackEntry[];
    const paths = pack!.files.map((f) => f.path);
    t.diagnostic(`${pack!.filename}: ${paths.length} files`);
    const top = new Set(paths.map((p) => p.split('/')[0]));
    for (const must of ['bin', 'dist', 'schema', 'package.json', 'README.md']) assert.ok(top.has(must), `the package lacks ${must}`);
    for (const mustNot of ['src', 'test', 'bench', 'scripts', 'node_modules', '.ci', 'tsconfig.json']) assert.ok(!top.has(mustNot), `the package carries ${mustNot}`);
    assert.ok(paths.includes('dist/cli.js') && paths.includes('dist/keeper.js') && paths.includes('dist/controller.js'));
    // No chunk of an older build: every script in dist/ is loaded from one of the three programs.
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const m of readFileSync(join(ROOT, 'dist', file), 'utf8').matchAll(/(?:from|import)\s*\(?\s*["']\.\/([\w.-]+\.js)["']/g)) visit(m[1]!);
    };
    ['cli.js', 'keeper.js', 'controller.js'].forEach(visit);
    // The dashboard's bundle is loaded by a browser, not by a program; it must be there.
    for (const f of ['index.html', 'app.js', 'app.css']) assert.ok(paths.includes(`dist/web/${f}`), `the package lacks dist/web/${f}`);
    const scripts = paths.filter((p) => p.startsWith('dist/') && !p.startsWith('dist/web/') && p.endsWith('.js')).map((p) => p.slice(5));
    assert.deepEqual(scripts.filter((f) => !reached.has(f)), [], 'the package carries scripts no program loads');

    const prefix = join(scratch, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, join(scratch, pack!.filename)], { cwd: scratch, env, maxBuffer: 64 * 1024 * 1024 });
    const kelpie = join(prefix, 'bin', 'kelpie');
    const version = (await run(kelpie, ['--version'], { env })).stdout.trim();
    assert.equal(version.split(/\s/)[0], (JSON.parse((await run('npm', ['pkg', 'get', 'version', '--json'], { cwd: ROOT, env })).stdout) as string));

    const project = join(scratch, 'project');
    await run('mkdir', [project]);
    await run(kelpie, ['init'], { cwd: project, env });
    assert.match((await run(kelpie, ['check'], { cwd: project, env })).stdout, /: ok, 1 service/);
    await run(kelpie, ['up', '-d'], { cwd: project, env });
    const status = JSON.parse((await run(kelpie, ['status', '--json'], { cwd: project, env })).stdout) as { services: Array<{ name: string; state: string }> };
    assert.ok(status.services.length > 0, 'the starter config declares services');
    assert.ok(status.services.every((s) => ['running', 'done', 'starting'].includes(s.state)), JSON.stringify(status.services));
    await run(kelpie, ['down'], { cwd: project, env });
  } finally {
    const left = await waitGone(mark, 5000);
    rmSync(scratch, { recursive: true, force: true });
    assert.deepEqual(left, [], 'processes left alive');
  }
});
