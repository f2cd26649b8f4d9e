// A full disk for logs: the home's logs/ is a symlink to a 1 MB tmpfs (we are root), filled
// by a chatty service. Services keep running, the daemon stays up, the problem is reported,
// and logging resumes (with whole lines) once rotated files are deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Project, fixture, ROOT } from '../helpers/project.js';
import { poll, sleep } from './helpers.js';

const NUMBERED = JSON.stringify(['node', join(ROOT, 'test/reliability/fixtures/numbered.mjs'), '50', '1', '400']);

function mountTmpfs(dir: string): void {
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
  assert.equal(r.status, 0, `this test needs root to mount a tmpfs: ${r.stderr}`);
}

/** The highest sequence number in the ticker's log, and whether every line in it is whole. */
function tickLog(path: string): { last: number; lines: number; torn: string[] } {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { last: 0, lines: 0, torn: [] };
  }
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a line still being written
  const torn = lines.filter((l) => !/^\S+Z out n \d+ \d+ p{400} \.$/.test(l));
  const last = Math.max(0, ...lines.map((l) => Number(/ out n \d+ (\d+) /.exec(l)?.[1] ?? 0)));
  return { last, lines: lines.length, torn };
}

/** Waits until the ticker's last sequence number has not moved for 1 s; null if it never stops. */
async function stalls(path: string, ms: number): Promise<number | null> {
  const end = Date.now() + ms;
  let last = -1;
  let since = Date.now();
  while (Date.now() < end) {
    const now = tickLog(path).last;
    if (now !== last) [last, since] = [now, Date.now()];
    else if (Date.now() - since >= 1000) return now;
    await sleep(100);
  }
  return null;
}

test('a full log disk: services keep running, the daemon stays up, it is reported, logging resumes', async (t) => {
  const p = new Project(`
[services.chatty]
command = ${fixture('chatty', 30_000, 100, 0, 'idle')}
log = { max_size = "300KB", keep = 5 }

[services.tick]
command = ${NUMBERED}
`);
  const mnt = join(p.dir, 'logs-fs');
  mountTmpfs(mnt);
  mkdirSync(p.home, { mode: 0o700 });
  symlinkSync(mnt, join(p.home, 'logs'));
  try {
    await p.up();
    const before = await p.status();
    const full = await poll(() => statfsSync(mnt).bavail === 0, 10_000);
    assert.ok(full, 'the chatty service did not fill the 1 MB log filesystem');
    // The ticker writes 400-byte lines every 50 ms: soon its next page cannot be allocated.
    const stalled = await stalls(join(mnt, 'tick.log'), 10_000);
    assert.ok(stalled !== null, 'the ticker kept logging on a full disk');

    const during = await p.status();
    assert.equal(during.daemon.keeper_pid, before.daemon.keeper_pid);
    assert.equal(during.daemon.controller_pid, before.daemon.controller_pid);
    assert.deepEqual(during.services.map((s) => [s.name, s.state, s.pid, s.restarts]), before.services.map((s) => [s.name, 'running', s.pid, 0]));

    const json = JSON.parse((await p.kelpie(['status', 'tick', '--json'])).stdout) as unknown;
    const chattyJson = JSON.parse((await p.kelpie(['status', 'chatty', '--json'])).stdout) as unknown;
    const daemonLog = p.daemonLog();
    const tick = json as { state: string; logError?: unknown };
    const said = daemonLog.split('\n').filter((l) => /ENOSPC|no space/i.test(l));
    t.diagnostic(`while full: status tick says ${tick.state}, logError ${JSON.stringify(tick.logError)}; kelpie.log: ${JSON.stringify(said.map((l) => l.replace(/^\S+ /, '')))}`);

    // Free space: delete the rotated files. The ticker's lines must come back, whole.
    for (const f of readdirSync(mnt)) if (/\.log\.\d+$/.test(f)) rmSync(join(mnt, f));
    const resumed = await poll(() => tickLog(join(mnt, 'tick.log')).last > stalled + 5, 5000);
    const after = tickLog(join(mnt, 'tick.log'));
    assert.ok(resumed, `logging did not resume after space was freed (last line ${after.last}, stalled at ${stalled})`);
    assert.deepEqual(after.torn, [], 'the log holds only whole lines after the disk was full');
    const end = await p.status();
    assert.deepEqual(end.services.map((s) => [s.name, s.pid]), before.services.map((s) => [s.name, s.pid]));

    await t.test('the problem was reported in status SVC --json or the daemon log, and cleared once space returned', async () => {
      const said = /ENOSPC|no space left/i;
      assert.ok(said.test(JSON.stringify(json)) || said.test(JSON.stringify(chattyJson)) || said.test(daemonLog), 'nothing in `status tick --json`, `status chatty --json` or kelpie.log says the log disk is full (ENOSPC)');
      const now = (await p.kelpie(['status', 'tick', '--json'])).stdout;
      assert.doesNotMatch(now, said, 'status tick --json still reports a full disk after logging resumed');
    });
  } finally {
    await p.kelpie(['down']).catch(() => null);
    spawnSync('umount', ['-l', mnt]);
    await p.cleanup();
  }
});
