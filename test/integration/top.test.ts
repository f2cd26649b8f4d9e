// kelpie top: plain output once when stdout is not a terminal, and the live view on a real
// terminal (tmux, on its own server socket): select, restart, logs, quit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Project, fixture, BIN } from '../helpers/project.js';

const services = `
[services.db]
command = ${fixture('forever')}
ready = { log = "started" }
[services.web]
command = ${fixture('forever')}
requires = ["db"]
`;

test('kelpie top without a terminal prints the table once: state, readiness, pid, CPU and memory', async () => {
  const p = new Project(services);
  try {
    await p.up();
    await p.untilState('web', 'running');
    const r = await p.kelpie(['top']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^\s+NAME\s+STATE\s+READY\s+PID\s+UPTIME\s+RESTARTS\s+CPU%\s+MEM$/);
    const db = (await p.status()).services.find((s) => s.name === 'db')!;
    const row = lines.find((l) => /^\s+db\s/.test(l));
    assert.ok(row, r.stdout);
    assert.match(row, new RegExp(`^\\s+db\\s+running\\s+log /started/ \\S+ m?s\\s+${db.pid}\\s+.+\\s+0\\s+\\d+\\.\\d\\s+\\d+\\.\\d MiB$`));
    const json = JSON.parse((await p.kelpie(['top', '--json'])).stdout) as { usage: { services: Array<{ name: string; memoryBytes: number; processes: number }> } };
    const web = json.usage.services.find((s) => s.name === 'web')!;
    assert.ok(web.memoryBytes > 1_000_000);
    assert.equal(web.processes, 1);
  } finally {
    await p.cleanup();
  }
});

test('kelpie top on a terminal: arrows select, r restarts, l shows logs, q quits', async () => {
  const p = new Project(services);
  const sock = `kelpie-top-${p.mark}`;
  const tmux = (...args: string[]): { code: number | null; out: string } => {
    const r = spawnSync('tmux', ['-L', sock, ...args], { encoding: 'utf8', env: { ...process.env, KELPIE_TEST_MARK: p.mark, NO_COLOR: '1' } });
    return { code: r.status, out: r.stdout };
  };
  const screen = (): string => tmux('capture-pane', '-p', '-t', 'top').out;
  const untilScreen = async (re: RegExp, what: string): Promise<string> => {
    const end = Date.now() + 15_000;
    for (;;) {
      const s = screen();
      if (re.test(s)) return s;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await p.up();
    await p.untilState('web', 'running');
    const started = tmux('new-session', '-d', '-s', 'top', '-x', '140', '-y', '30', '-c', p.dir, `${process.execPath} ${BIN} top`);
    assert.equal(started.code, 0);
    await untilScreen(/kelpie top\s+2 service\(s\)/, 'the live table');
    await untilScreen(/^>\s+db\s+running/m, 'db selected');
    tmux('send-keys', '-t', 'top', 'Down');
    await untilScreen(/^>\s+web\s+running/m, 'web selected');
    const old = (await p.pid('web'))!;
    tmux('send-keys', '-t', 'top', 'r');
    await p.until((s) => s.services.some((x) => x.name === 'web' && x.state === 'running' && x.pid !== null && x.pid !== old), 'web restarted from top');
    const pid = (await p.pid('web'))!;
    await untilScreen(new RegExp(`^>\\s+web\\s+running\\s+-\\s+${pid}\\s`, 'm'), 'the new pid on screen');
    tmux('send-keys', '-t', 'top', 'l');
    await untilScreen(new RegExp(`logs of web[\\s\\S]*started ${pid}`), 'the log pane with the new run');
    tmux('send-keys', '-t', 'top', 'q');
    const end = Date.now() + 10_000;
    while (tmux('has-session', '-t', 'top').code === 0) {
      assert.ok(Date.now() < end, 'top quit on q');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    tmux('kill-server');
    await p.cleanup();
  }
});
