// Live evolution: desired state across down/up, reload by diff, runtime registration, upgrade.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Project, fixture, alive } from '../helpers/project.js';

const two = (extra = '') => `
[services.keep]
command = ${fixture('forever')}

[services.tweak]
command = ${fixture('forever')}
${extra}
`;

test('after down and up, exactly the services meant to run come back', async () => {
  const p = new Project(`
[services.a]
command = ${fixture('forever')}
[services.b]
command = ${fixture('forever')}
[services.manual]
command = ${fixture('forever')}
autostart = false
[services.off]
command = ${fixture('forever')}
`);
  try {
    await p.up();
    await p.kelpie(['stop', 'b']);
    await p.kelpie(['start', 'manual']);
    await p.kelpie(['disable', 'off']);
    await p.kelpie(['down']);
    await p.up();
    const st = await p.status();
    const by = Object.fromEntries(st.services.map((s) => [s.name, s.state]));
    assert.deepEqual(by, { a: 'running', b: 'stopped', manual: 'running', off: 'disabled' });
  } finally {
    await p.cleanup();
  }
});

test('reload restarts only what changed, applies in place what it can, and --dry-run changes nothing', async () => {
  const p = new Project(two());
  try {
    await p.up();
    const before = await p.status();
    const pid = (n: string, s = before) => s.services.find((x) => x.name === n)!.pid;
    p.write('kelpie.toml', two('env = { NEW = "1" }') + `\n[services.fresh]\ncommand = ${fixture('forever')}\n`);
    const dry = await p.kelpie(['reload', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /\+ added\s+fresh/);
    assert.match(dry.stdout, /~ changed\s+tweak: env \(needs a restart\)/);
    assert.match(dry.stdout, /unchanged keep/);
    const mid = await p.status();
    assert.deepEqual(mid.services.map((s) => [s.name, s.pid]), before.services.map((s) => [s.name, s.pid]));
    const r = await p.kelpie(['reload']);
    assert.equal(r.code, 0, r.stderr);
    const after = await p.status();
    assert.equal(pid('keep', after), pid('keep'));
    assert.notEqual(pid('tweak', after), pid('tweak'));
    assert.equal(after.services.find((s) => s.name === 'fresh')?.state, 'running');
    // An in-place change (restart policy) keeps the process.
    p.write('kelpie.toml', two('env = { NEW = "1" }\nrestart = "always"'));
    const r2 = await p.kelpie(['reload', '--json']);
    const res = JSON.parse(r2.stdout);
    assert.deepEqual(res.plan.removed, ['fresh']);
    assert.deepEqual(res.plan.changed, [{ name: 'tweak', fields: ['restart'], restart: false }]);
    const after2 = await p.status();
    assert.equal(pid('tweak', after2), pid('tweak', after));
    assert.equal(after2.services.some((s) => s.name === 'fresh'), false);
  } finally {
    await p.cleanup();
  }
});

test('reload: a changed service that now requires a service added by the same reload is restarted after it', async () => {
  const base = `[services.web]\ncommand = ${fixture('forever')}\n`;
  const p = new Project(base);
  try {
    await p.up();
    p.write('kelpie.toml', `[services.web]\ncommand = ${fixture('forever')}\nrequires = ["cache"]\nenv = { V = "2" }\n\n[services.cache]\ncommand = ${fixture('forever')}\n`);
    const r = await p.kelpie(['reload']);
    assert.equal(r.code, 0, r.stderr + p.daemonLog());
    assert.match(r.stdout, /ok\s+web: restarted/);
    const st = await p.status();
    assert.deepEqual(st.services.map((s) => [s.name, s.state]).sort(), [['cache', 'running'], ['web', 'running']]);
    // The daemon is sound afterwards: down stops everything.
    const down = await p.kelpie(['down']);
    assert.equal(down.code, 0, down.stderr + p.daemonLog());
    assert.doesNotMatch(p.daemonLog(), /unhandled rejection/);
  } finally {
    await p.cleanup();
  }
});

test('an invalid config on reload changes nothing, prints every error and exits 2', async () => {
  const p = new Project(two());
  try {
    await p.up();
    const before = await p.status();
    p.write('kelpie.toml', two('restart = "sometimes"\nbogus = 1'));
    const r = await p.kelpie(['reload']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /services\.tweak\.restart/);
    assert.match(r.stderr, /services\.tweak\.bogus/);
    assert.match(r.stderr, /nothing was changed/);
    const after = await p.status();
    assert.deepEqual(after.services.map((s) => [s.name, s.pid, s.state]), before.services.map((s) => [s.name, s.pid, s.state]));
  } finally {
    await p.cleanup();
  }
});

test('reload --defer records the new definition and applies it at the next restart', async () => {
  const p = new Project(two());
  try {
    await p.up();
    const pid = (await p.pid('tweak'))!;
    p.write('kelpie.toml', two('env = { NEW = "1" }'));
    const r = await p.kelpie(['reload', '--defer', 'tweak']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deferred/);
    assert.equal(await p.pid('tweak'), pid);
    assert.match((await p.kelpie(['status', 'tweak'])).stdout, /new definition pending/);
    process.kill(pid, 'SIGKILL');
    await p.until((s) => s.services.some((x) => x.name === 'tweak' && x.state === 'running' && x.pid !== pid), 'tweak respawned');
    const d = await p.client.service('tweak');
    assert.equal(d.pending, false);
    const env = (await import('node:fs')).readFileSync(`/proc/${d.pid}/environ`, 'latin1');
    assert.match(env, /(^|\0)NEW=1\0/);
  } finally {
    await p.cleanup();
  }
});

test('services added at runtime survive reloads and a down/up; remove forgets them', async () => {
  const p = new Project(two());
  try {
    await p.up();
    writeFileSync(join(p.dir, 'gw.toml'), `[services.gateway]\ncommand = ${fixture('forever')}\n`);
    const a = await p.kelpie(['add', 'gw.toml']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal((await p.status()).services.find((s) => s.name === 'gateway')?.state, 'running');
    assert.equal((await p.kelpie(['reload'])).code, 0);
    assert.equal((await p.status()).services.find((s) => s.name === 'gateway')?.state, 'running');
    await p.kelpie(['down']);
    await p.up();
    const gpid = (await p.pid('gateway'))!;
    assert.ok(gpid && alive(gpid));
    const refused = await p.kelpie(['remove', 'keep']);
    assert.equal(refused.code, 2);
    assert.equal((await p.kelpie(['remove', 'gateway'])).code, 0);
    assert.equal(alive(gpid), false);
    assert.equal((await p.status()).services.some((s) => s.name === 'gateway'), false);
  } finally {
    await p.cleanup();
  }
});

test('upgrade replaces the controller without restarting any service', async () => {
  const p = new Project(two());
  try {
    await p.up();
    const before = await p.status();
    const r = await p.kelpie(['upgrade']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 running service\(s\) kept their PIDs/);
    const after = await p.status();
    assert.notEqual(after.daemon.controller_pid, before.daemon.controller_pid);
    assert.deepEqual(after.services.map((s) => [s.name, s.pid, s.restarts]), before.services.map((s) => [s.name, s.pid, 0]));
  } finally {
    await p.cleanup();
  }
});

test('a state file from an earlier format is migrated on start', async () => {
  const p = new Project(two());
  try {
    const { v1File } = await import('../state/state.test.js');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(p.home, { recursive: true });
    const svc = { state: 'stopped', since: '2026-11-22T04:00:00.000Z', reason: null, enabled: false, pid: null, startTime: 0, spawnedAt: null, readyAt: null, restarts: 7, failures: 0, exits: [] };
    writeFileSync(join(p.home, 'state.json'), v1File({ tweak: svc }));
    await p.up();
    const st = await p.status();
    assert.equal(st.services.find((s) => s.name === 'tweak')?.state, 'disabled');
    assert.equal(st.services.find((s) => s.name === 'keep')?.state, 'running');
    const { readFileSync } = await import('node:fs');
    assert.match(readFileSync(join(p.home, 'state.json'), 'utf8'), /^\{"version":2,/);
  } finally {
    await p.cleanup();
  }
});

test('CLI calls made during an upgrade all succeed', async () => {
  const p = new Project(two());
  try {
    await p.up();
    let stop = false;
    const loop = (async () => {
      const results: number[] = [];
      while (!stop) results.push((await p.kelpie(['status', '--json'])).code ?? -1);
      return results;
    })();
    for (let i = 0; i < 3; i++) assert.equal((await p.kelpie(['upgrade'])).code, 0);
    stop = true;
    const codes = await loop;
    assert.ok(codes.length > 0);
    assert.deepEqual([...new Set(codes)], [0]);
  } finally {
    await p.cleanup();
  }
});

test('soak: controller killed every 300 ms while services crash; never two processes of one service', async () => {
  const p = new Project(`
[services.steady]
command = ${fixture('forever')}
[services.crashy]
command = ${fixture('crash-after', 150, 1)}
backoff = { initial = "20ms", max = "100ms" }
start_limit = { burst = 1000 }
[services.flappy]
command = ${fixture('crash-after', 400, 0)}
restart = "always"
backoff = { initial = "10ms" }
start_limit = { burst = 1000 }
`);
  try {
    await p.up();
    const { readdirSync, readFileSync } = await import('node:fs');
    const leaders = (): Map<string, number[]> => {
      const by = new Map<string, number[]>();
      for (const n of readdirSync('/proc')) {
        if (!/^\d+$/.test(n)) continue;
        try {
          const env = readFileSync(`/proc/${n}/environ`, 'latin1');
          if (!env.includes(`KELPIE_TEST_MARK=${p.mark}`)) continue;
          const svc = /(?:^|\0)KELPIE_SERVICE=([^\0]*)/.exec(env)?.[1];
          const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          if (!svc || f[0] === 'Z' || Number(f[2]) !== Number(n)) continue; // group leaders only
          by.set(svc, [...(by.get(svc) ?? []), Number(n)]);
        } catch {
          // gone
        }
      }
      return by;
    };
    // A number of kills, not a time: on a loaded machine each new controller takes longer.
    const end = Date.now() + 60_000;
    let kills = 0;
    while (kills < 15) {
      assert.ok(Date.now() < end, `only ${kills} controller kills in 60 s`);
      const st = await p.status();
      process.kill(st.daemon.controller_pid, 'SIGKILL');
      kills++;
      const t = Date.now() + 300;
      while (Date.now() < t) {
        for (const [svc, pids] of leaders()) assert.ok(pids.length <= 1, `${svc} ran twice at once: ${pids.join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const st = await p.status();
    const by = Object.fromEntries(st.services.map((s) => [s.name, s]));
    assert.equal(by.steady!.state, 'running');
    assert.equal(by.steady!.restarts, 0);
    for (const n of ['crashy', 'flappy']) assert.ok(['running', 'backoff', 'starting'].includes(by[n]!.state), `${n} is ${by[n]!.state}: ${by[n]!.reason}`);
    // Nothing unsupervised: every live service process is the one status knows.
    for (const [svc, pids] of leaders()) {
      const known = by[svc]?.pid;
      assert.ok(known === pids[0] || by[svc]?.state !== 'running', `${svc} process ${pids[0]} is not the supervised ${known}`);
    }
  } finally {
    await p.cleanup();
  }
});

test('up --watch reloads when the config file changes, and ignores a broken edit', async () => {
  const p = new Project(two());
  try {
    assert.equal((await p.kelpie(['up', '-d', '--watch'])).code, 0);
    const keep = await p.pid('keep');
    p.write('kelpie.toml', two() + `\n[services.late]\ncommand = ${fixture('forever')}\n`);
    await p.untilState('late', 'running');
    // The broken edit is reported (event and daemon log) and changes nothing.
    const failed = new Promise<string>((resolve) => {
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), 10_000);
      let msg = '';
      void p.client.events((e) => {
        if (e.type === 'reload-failed') {
          msg = e.message ?? '';
          ac.abort();
        }
      }, ac.signal, 0).then(() => {
        clearTimeout(t);
        resolve(msg);
      });
    });
    p.write('kelpie.toml', two('restart = "sometimes"'));
    assert.match(await failed, /invalid config/);
    assert.match(p.daemonLog(), /config changed but not applied/);
    const st = await p.status();
    assert.equal(st.services.find((s) => s.name === 'late')?.state, 'running');
    assert.equal(await p.pid('keep'), keep);
  } finally {
    await p.cleanup();
  }
});
