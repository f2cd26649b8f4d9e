// Log capture end to end: complete lines, drained after exit, rotation, follow, foreground.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Project, fixture, BIN, waitGone } from '../helpers/project.js';

function numbered(text: string): number[] {
  return text.split('\n').flatMap((l) => /^\S+ out (\d{6}) /.exec(l)?.[1] ?? []).map(Number);
}

test('every line of a chatty service is captured once, stamped, even the last ones before exit', async () => {
  const p = new Project(`
[services.chatty]
command = ${fixture('chatty', 20000, 100)}
restart = "never"
`);
  try {
    await p.up();
    await p.untilState('chatty', 'stopped');
    const nums = numbered(p.serviceLog('chatty'));
    assert.equal(nums.length, 20000);
    assert.ok(nums.every((n, i) => n === i + 1), 'lines out of order or missing');
    assert.match(p.serviceLog('chatty').split('\n')[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z out /);
    const r = await p.kelpie(['logs', '-n', '3', 'chatty']);
    assert.equal(r.stdout.trim().split('\n').length, 3);
    assert.match(r.stdout, /chatty \| 020000 /);
  } finally {
    await p.cleanup();
  }
});

test('rotation keeps whole lines and the configured number of files', async () => {
  const p = new Project(`
[services.chatty]
command = ${fixture('chatty', 5000, 100)}
restart = "never"
log = { max_size = "64KB", keep = 3 }
`);
  try {
    await p.up();
    await p.untilState('chatty', 'stopped');
    const dir = join(p.home, 'logs');
    const files = readdirSync(dir).filter((f) => f.startsWith('chatty.log')).sort();
    assert.deepEqual(files, ['chatty.log', 'chatty.log.1', 'chatty.log.2', 'chatty.log.3']);
    let all: number[] = [];
    for (const f of ['chatty.log.3', 'chatty.log.2', 'chatty.log.1', 'chatty.log']) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.ok(text.endsWith('\n'));
      assert.ok(Buffer.byteLength(text) <= 64 * 1024);
      all = all.concat(numbered(text));
    }
    // The newest lines survive, contiguous up to the last one.
    assert.equal(all[all.length - 1], 5000);
    assert.ok(all.every((n, i) => i === 0 || n === all[i - 1]! + 1));
  } finally {
    await p.cleanup();
  }
});

test('logs -f follows new lines live', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
[services.b]
command = ["sh", "-c", "read x < /dev/null; while :; do sleep 0.2; echo tick; done"]
`);
  try {
    await p.up();
    const child = spawn(process.execPath, [BIN, 'logs', '-f', '-n', '0', 'b'], { cwd: p.dir, env: { ...process.env, NO_COLOR: '1', KELPIE_TEST_MARK: p.mark } });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no live line: ${out}`)), 10_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (/b \| tick/.test(out)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    assert.doesNotMatch(out, /started/);
    const closed = new Promise((r) => child.once('close', r));
    child.kill('SIGINT');
    await closed;
  } finally {
    await p.cleanup();
  }
});

test('following: the tail and the live lines meet with no line lost and none twice', async () => {
  const p = new Project(`
[services.count]
command = ["node", "-e", "let n = 0; setInterval(() => console.log(String(++n).padEnd(200, '.')), 1)"]
log = { max_size = "64KB", keep = 2 }
`);
  try {
    await p.up();
    await p.untilLog('count', /^50\./);
    // Each follow starts from nothing following (the keeper is asked to send lines again);
    // two at once share that. The file rotates every ~300 lines, during some of the follows.
    // Every line from the first of the tail on, in order, once.
    const follow = async (): Promise<number[]> => {
      const seen: number[] = [];
      const ac = new AbortController();
      const t0 = Date.now();
      await p.client
        .followLogs(['count'], 100_000, (l) => {
          seen.push(parseInt(l.text, 10));
          if (Date.now() - t0 > 60 && seen.length >= 20) ac.abort();
        }, ac.signal)
        .catch(() => {});
      return seen;
    };
    for (let round = 0; round < 12; round++) {
      const runs = round % 3 === 2 ? await Promise.all([follow(), follow()]) : [await follow()];
      for (const seen of runs) {
        assert.ok(seen.length >= 20, `round ${round}: the stream ended after ${seen.length} lines`);
        const wrong = seen.findIndex((x, i) => x !== seen[0]! + i);
        assert.equal(wrong, -1, `round ${round}: line ${wrong} is ${seen[wrong]} (after ${seen[wrong - 1]})`);
      }
    }
  } finally {
    await p.cleanup();
  }
});

test('foreground up prints prefixed output; SIGINT stops everything in order and exits 0', async () => {
  const p = new Project(`
[services.web]
command = ${fixture('forever')}
[services.worker]
command = "echo worker says hi; exec sleep 1000"
`);
  try {
    const child = spawn(process.execPath, [BIN, 'up'], { cwd: p.dir, env: { ...process.env, NO_COLOR: '1', KELPIE_TEST_MARK: p.mark }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no output: ${out} ${err}`)), 10_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (/web\s+\| started/.test(out) && /worker\s+\| worker says hi/.test(out)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    const code = new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    child.kill('SIGINT');
    assert.equal(await code, 0, err);
    assert.match(err, /SIGINT: asking the controller for an ordered shutdown/);
    assert.deepEqual(await waitGone(p.mark, 3000), []);
  } finally {
    await p.cleanup();
  }
});

test('idle is idle: keeper and controller use no CPU while nothing happens, also after a watcher left', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
[services.b]
command = ${fixture('forever')}
`);
  try {
    await p.up();
    // Someone watched resource use and left (kelpie top opens and closes a usage stream):
    // sampling stops with the last watcher.
    assert.equal((await p.kelpie(['top'])).code, 0);
    for (const end = Date.now() + 5000; (await p.client.usage()).sampling; ) {
      assert.ok(Date.now() < end, 'sampling stopped once kelpie top left');
      await new Promise((r) => setTimeout(r, 50));
    }
    const st = await p.status();
    const ticks = (pid: number): number => {
      const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return Number(rest[11]) + Number(rest[12]);
    };
    const pids = [st.daemon.keeper_pid, st.daemon.controller_pid];
    const before = pids.map(ticks);
    await new Promise((r) => setTimeout(r, 3000));
    const used = pids.map((pid, i) => ticks(pid) - before[i]!);
    // 3 s of wall time; a polling loop would burn far more than 3 ticks (30 ms) here.
    assert.ok(used.every((u) => u <= 3), `CPU ticks used while idle: ${used.join(', ')}`);
  } finally {
    await p.cleanup();
  }
});
