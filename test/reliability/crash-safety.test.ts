// Crash safety of the state file: SIGKILL the controller again and again while crash-looping
// services make it rewrite state.json many times a second. The file must always be there and
// decode (checksum, version, JSON): never missing, empty or torn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Project, fixture } from '../helpers/project.js';
import { decodeState } from '../../src/state/encode.js';
import { poll, sleep } from './helpers.js';

/** The keeper's current controller: its child running dist/controller.js. */
function controllerOf(keeper: number): number | null {
  try {
    for (const c of readFileSync(`/proc/${keeper}/task/${keeper}/children`, 'latin1').trim().split(/\s+/)) {
      const cmd = readFileSync(`/proc/${c}/cmdline`, 'latin1');
      if (cmd.startsWith('kelpie-controller') || cmd.includes('controller.js')) return Number(c);
    }
  } catch {
    // keeper or child gone
  }
  return null;
}

test('SIGKILL of the controller while services change state: state.json always decodes', async (t) => {
  const p = new Project(`
[services.steady]
command = ${fixture('forever')}

[services.crashy]
command = ${fixture('crash-after', 40, 1)}
backoff = { initial = "10ms", max = "40ms" }
start_limit = { burst = 100000 }

[services.flappy]
command = ${fixture('crash-after', 70, 0)}
restart = "always"
backoff = { initial = "10ms" }
start_limit = { burst = 100000 }
`);
  const file = join(p.home, 'state.json');
  const problems: string[] = [];
  let reads = 0;
  const check = (when: string): void => {
    reads++;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${when}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return;
    }
    try {
      decodeState(text);
    } catch (err) {
      problems.push(`${when}: ${(err as Error).message} (${text.length} bytes)`);
    }
  };
  let reading = true;
  try {
    await p.up();
    const keeper = (await p.status()).daemon.keeper_pid;
    check('after up');
    // A reader polling all along, besides the reads right after each kill.
    const reader = (async () => {
      while (reading) {
        check('polling');
        await sleep(2);
      }
    })();
    let kills = 0;
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      const c = await poll(() => controllerOf(keeper), 10_000, 5);
      assert.ok(c, 'the keeper started no new controller');
      await sleep(Math.random() * 150);
      try {
        process.kill(c, 'SIGKILL');
        kills++;
      } catch {
        continue; // it was already gone
      }
      check(`right after kill ${kills}`);
    }
    reading = false;
    await reader;
    // The daemon recovers: a controller answers, with the same keeper and the steady service untouched.
    const st = await p.until((s) => s.services.some((x) => x.name === 'steady' && x.state === 'running'), 'a controller answering');
    check('at the end');
    assert.equal(st.daemon.keeper_pid, keeper);
    const leftovers = readdirSync(p.home).filter((f) => f.startsWith('state.json.corrupt') || /^\.state\.json\..*\.tmp$/.test(f));
    t.diagnostic(`${kills} controller kills, ${reads} reads of state.json, ${problems.length} problems; temp/corrupt files left: ${leftovers.length}`);
    assert.ok(kills >= 15, `only ${kills} kills in 5 s`);
    assert.deepEqual(problems.slice(0, 10), [], `state.json was missing or did not decode (${problems.length} times)`);
    assert.deepEqual(leftovers.filter((f) => f.includes('corrupt')), [], 'a controller found state.json corrupt and set it aside');
  } finally {
    reading = false;
    await p.cleanup();
  }
});
