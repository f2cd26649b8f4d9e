// kelpie as a systemd Type=notify service: READY=1 and STATUS= to the manager's socket,
// and services never see the manager's NOTIFY_SOCKET.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { NotifyHub } from '../../src/os/notify-socket.js';
import { Project, fixture, BIN, waitGone } from '../helpers/project.js';

test('under a service manager: READY=1 once services are up, STATUS summary, NOTIFY_SOCKET not leaked', async () => {
  const p = new Project(`
[services.web]
command = ["sh", "-c", "echo notify=[$NOTIFY_SOCKET]; exec sleep 1000"]
[services.slow]
command = ${fixture('notify-ready', 300, 'ok')}
ready = { notify = true }
`);
  const hub = NotifyHub.create();
  assert.ok(hub, 'notify sockets need koffi here');
  const messages: Array<Map<string, string>> = [];
  const sock = join(p.dir, 'manager.sock');
  const ch = hub.open(sock, (m) => messages.push(new Map(m.fields)));
  try {
    const child = spawn(process.execPath, [BIN, 'up'], {
      cwd: p.dir,
      env: { ...process.env, NO_COLOR: '1', KELPIE_TEST_MARK: p.mark, NOTIFY_SOCKET: sock, INVOCATION_ID: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    const deadline = Date.now() + 15_000;
    while (!messages.some((m) => m.get('READY') === '1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const ready = messages.find((m) => m.get('READY') === '1');
    assert.ok(ready, `no READY=1 from kelpie: ${err}`);
    assert.equal(ready.get('STATUS'), '2 service(s) started');
    assert.equal(ready.get('MAINPID'), String(child.pid));
    // READY came only once slow was ready.
    assert.equal((await p.client.service('slow')).state, 'running');
    assert.equal(await p.untilLog('web', /^notify=/), 'notify=[]');
    assert.match(err, /started by systemd/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(await waitGone(p.mark, 3000), []);
  } finally {
    ch.close();
    hub.close();
    await p.cleanup();
  }
});
