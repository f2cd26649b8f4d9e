// Fleet end to end: three kelpie nodes on loopback, each with its own home and port, talking
// TLS 1.3 with pinned keys and capability URLs. Covers pinning (a man in the middle is
// refused before anything is sent), attenuation, revocation (also of an open stream), remote
// dependencies (Carol's scenario) and a partition with recovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Project, fixture, alive } from '../helpers/project.js';
import { Client } from '../../src/client/client.js';
import { parseCapUrl, type CapUrl } from '../../src/fleet/url.js';
import { loadIdentity } from '../../src/fleet/identity.js';

// Fast heartbeats and reconnects, so a partition shows within seconds. The user's own remotes
// file is kept out of it.
const CONFIG_HOME = mkdtempSync(join(tmpdir(), 'kelpie-fleet-cfg-'));
const ENV = { KELPIE_FLEET_HEARTBEAT_MS: '500', KELPIE_FLEET_BACKOFF_MAX_MS: '1000', KELPIE_CONFIG_HOME: CONFIG_HOME };
process.env.KELPIE_CONFIG_HOME = CONFIG_HOME;
test.after(() => rmSync(CONFIG_HOME, { recursive: true, force: true }));

/** A node: a project whose API also listens on a free loopback port. */
class Node extends Project {
  constructor(services: string) {
    super(`[api]\nlisten = "127.0.0.1:0"\n${services}`);
  }

  override kelpie(args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}) {
    return super.kelpie(args, { ...opts, env: { ...ENV, ...opts.env } });
  }

  /** `kelpie grant --url …`: a capability URL for this node. */
  async grantUrl(...flags: string[]): Promise<string> {
    const r = await this.kelpie(['grant', '--url', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    const url = r.stdout.trim();
    assert.ok(parseCapUrl(url).ok, url);
    return url;
  }
}

// Ready once its first line is in its log (the keeper writes the file before it matches), so
// "running" means the line can be read back.
const web = (autostart = true) => `\n[services.web]\ncommand = ${fixture('forever')}\nready = { log = "^started " }\nautostart = ${autostart}\n`;

function parsed(url: string): CapUrl {
  const r = parseCapUrl(url);
  if (!r.ok) throw new Error(r.reason);
  return r.url;
}

test('pinning: a wrong fingerprint and a man in the middle are refused before anything is sent', async () => {
  const a = new Node(web());
  const mitmHome = mkdtempSync(join(tmpdir(), 'kelpie-mitm-'));
  let seen = 0;
  const mitmId = loadIdentity(mitmHome);
  const mitm = createServer({ key: mitmId.keyPem, cert: mitmId.certPem, minVersion: 'TLSv1.3' }, (_req, res) => {
    seen++;
    res.end();
  });
  try {
    await a.up();
    const url = await a.grantUrl('--actions', 'status');
    const ok = await a.kelpie(['-r', url, 'status', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const st = JSON.parse(ok.stdout);
    assert.equal(st.daemon.node.fingerprint, parsed(url).fingerprint);
    // The same node under a fingerprint it does not have.
    const u = parsed(url);
    const other = loadIdentity(mkdtempSync(join(tmpdir(), 'kelpie-other-'))).fingerprint;
    const wrong = await a.kelpie(['-r', url.replace(u.fingerprint, other), 'status']);
    assert.equal(wrong.code, 6, wrong.stderr);
    assert.match(wrong.stderr, /is not the one the capability URL names: its key's fingerprint is \w+, expected \w+; nothing was sent/);
    // A man in the middle: the right fingerprint, but another server (another key) at the address.
    await new Promise<void>((r) => mitm.listen(0, '127.0.0.1', r));
    const port = (mitm.address() as AddressInfo).port;
    const intercepted = await a.kelpie(['-r', url.replace(`127.0.0.1:${u.port}/`, `127.0.0.1:${port}/`), 'status']);
    assert.equal(intercepted.code, 6, intercepted.stderr);
    assert.match(intercepted.stderr, new RegExp(`its key's fingerprint is ${mitmId.fingerprint}, expected ${u.fingerprint}`));
    assert.equal(seen, 0, 'the impostor received a request (and the capability)');
    // Nobody listening: unreachable, exit 4.
    mitm.close();
    const gone = await a.kelpie(['-r', url.replace(`127.0.0.1:${u.port}/`, `127.0.0.1:${port}/`), 'status']);
    assert.equal(gone.code, 4, gone.stderr);
  } finally {
    mitm.close();
    rmSync(mitmHome, { recursive: true, force: true });
    await a.cleanup();
  }
});

test('attenuation and revocation: a restart-only URL cannot stop; revoking ends access and open streams', async () => {
  const a = new Node(web());
  try {
    await a.up();
    await a.untilState('web', 'running');
    const restartOnly = await a.grantUrl('--services', 'web', '--actions', 'status,restart,events', '--note', 'restart-only');
    const before = await a.pid('web');
    const r = await a.kelpie(['-r', restartOnly, 'restart', 'web']);
    assert.equal(r.code, 0, r.stderr);
    await a.untilState('web', 'running');
    assert.notEqual(await a.pid('web'), before);
    const stop = await a.kelpie(['-r', restartOnly, 'stop', 'web']);
    assert.equal(stop.code, 5);
    assert.match(stop.stderr, /this capability does not allow 'stop' on 'web'/);
    assert.equal((await a.status()).services.find((s) => s.name === 'web')!.state, 'running');
    // Saved under a name, then used by name.
    const add = await a.kelpie(['remote', 'add', 'node-a', restartOnly]);
    assert.equal(add.code, 0, add.stderr);
    assert.ok(!add.stdout.includes('kelpie-cap-v1'), 'remote add echoed the capability');
    const list = await a.kelpie(['remote', 'list', '--json']);
    assert.deepEqual(JSON.parse(list.stdout).map((x: { name: string }) => x.name), ['node-a']);
    assert.equal((await a.kelpie(['-r', 'node-a', 'status'])).code, 0);
    // fleet status looks saved remotes up directly when the local daemon has no link to them.
    const fs = JSON.parse((await a.kelpie(['fleet', 'status', '--json'])).stdout);
    assert.deepEqual(fs.nodes, [{ name: 'node-a', where: fs.nodes[0].where, via: 'direct', link: 'up', error: null, services: { web: 'running' } }]);
    assert.match(fs.nodes[0].where, /^kelpie:\/\/\w{12}…@127\.0\.0\.1:\d+$/);
    // An event stream open with the URL's capability ends when it is revoked.
    const remote = new Client(a.home, { remote: parsed(restartOnly) });
    const events: string[] = [];
    let opened!: () => void;
    const isOpen = new Promise<void>((r) => (opened = r));
    const stream = remote.stream('/v1/events', (ev) => events.push(ev), undefined, { opened });
    await isOpen; // the daemon answered with the stream's headers: it is registered
    const id = (JSON.parse((await a.kelpie(['cap', 'list', '--json'])).stdout) as Array<{ id: string; note: string }>).find((g) => g.note === 'restart-only')!.id;
    assert.equal((await a.kelpie(['cap', 'revoke', id])).code, 0);
    await stream; // ends by itself: a stream that stayed open would hang the test (and time it out)
    assert.ok(events.includes('revoked'), `events: ${events.join(',')}`);
    const after = await a.kelpie(['-r', 'node-a', 'status']);
    assert.equal(after.code, 5);
    assert.match(after.stderr, new RegExp(`the capability ${id} has been revoked`));
    assert.equal((await a.kelpie(['remote', 'remove', 'node-a'])).code, 0);
    assert.equal((await a.kelpie(['-r', 'node-a', 'status'])).code, 2);
  } finally {
    await a.cleanup();
  }
});

test("Carol's scenario: one start of a local target starts web on two other nodes, and a partition heals without restarts", async () => {
  const a = new Node(web(false));
  const b = new Node(web(false));
  let c: Node | null = null;
  let stoppedPid: number | null = null;
  try {
    await a.up();
    await b.up();
    const caps = ['--services', 'web', '--actions', 'status,start,stop,restart,events'];
    const urlA = await a.grantUrl(...caps);
    const urlB = await b.grantUrl(...caps);
    c = new Node(`
[remotes]
a = "${urlA}"
b = "${urlB}"

[services.web-a]
remote = { node = "a", service = "web" }
autostart = false

[services.web-b]
remote = { node = "b", service = "web" }
autostart = false

[services.web-fleet]
kind = "target"
requires = ["web-a", "web-b"]
autostart = false
`);
    await c.up();
    await c.until((s) => s.services.filter((x) => x.remote).every((x) => x.state === 'stopped'), 'the proxies to mirror the stopped web services');
    const start = await c.kelpie(['start', 'web-fleet', '--json']);
    assert.equal(start.code, 0, start.stderr);
    const outcomes = JSON.parse(start.stdout) as Array<{ name: string; ok: boolean; state: string; message: string }>;
    for (const n of ['web-fleet', 'web-a', 'web-b']) assert.ok(outcomes.find((o) => o.name === n)?.ok, `${n}: ${JSON.stringify(outcomes)}`);
    assert.match(outcomes.find((o) => o.name === 'web-a')!.message, /^on node a: /);
    // Each node's own log says what happened there.
    const pidA = (await a.untilState('web', 'running')).services.find((s) => s.name === 'web')!.pid!;
    const pidB = (await b.untilState('web', 'running')).services.find((s) => s.name === 'web')!.pid!;
    const lineA = await a.untilLog('web', /^started \d+$/);
    const lineB = await b.untilLog('web', /^started \d+$/);
    assert.equal(lineA, `started ${pidA}`);
    assert.equal(lineB, `started ${pidB}`);
    assert.match(c.daemonLog(), /fleet: node a \(kelpie:\/\/\w+…@127\.0\.0\.1:\d+\) connected/);
    assert.match(c.daemonLog(), /fleet: node b \(kelpie:\/\/\w+…@127\.0\.0\.1:\d+\) connected/);
    assert.ok(!c.daemonLog().includes('kelpie-cap-v1'), 'the daemon log holds a capability');
    const cs = await c.until((s) => ['web-a', 'web-b', 'web-fleet'].every((n) => s.services.find((x) => x.name === n)?.state === 'running'), 'all three running on C');
    assert.deepEqual(cs.services.find((x) => x.name === 'web-a')!.remote, { node: 'a', service: 'web' });

    // fleet status: both nodes, their web side by side.
    const fs = await c.kelpie(['fleet', 'status']);
    assert.equal(fs.code, 0, fs.stderr);
    assert.match(fs.stdout, /^a {2}kelpie:\/\/\w+…@127\.0\.0\.1:\d+ {2}up$/m);
    assert.match(fs.stdout, /^web +running +running *$/m);
    const fj = JSON.parse((await c.kelpie(['fleet', 'status', '--json'])).stdout);
    assert.deepEqual(fj.nodes.map((n: { name: string; link: string }) => [n.name, n.link]), [['a', 'up'], ['b', 'up']]);

    // Partition: B's controller stops answering (SIGSTOP: connections stay open, nothing
    // comes through, as when a network drops packets). Its service keeps running.
    const ctlB = (await b.status()).daemon.controller_pid;
    process.kill(ctlB, 'SIGSTOP');
    stoppedPid = ctlB;
    const during = await c.untilState('web-b', 'unreachable', 20_000);
    const fleetRow = during.services.find((x) => x.name === 'web-fleet')!;
    assert.equal(fleetRow.state, 'running', 'the target keeps running while a member is unreachable');
    assert.equal(during.services.find((x) => x.name === 'web-a')!.state, 'running');
    assert.match(during.services.find((x) => x.name === 'web-b')!.reason ?? '', /^node b: /);
    // A start that needs the unreachable node fails, and says why; nothing else changes.
    const blocked = await c.kelpie(['start', 'web-b']);
    assert.equal(blocked.code, 1);
    assert.match(blocked.stdout + blocked.stderr, /node b is unreachable/);
    const fsDown = await c.kelpie(['fleet', 'status']);
    assert.match(fsDown.stdout, /^b {2}kelpie:\/\/\S+ {2}unreachable/m);
    assert.match(fsDown.stdout, /^web +running +running\? *$/m);
    // The node comes back: picked up again, nothing restarted anywhere.
    process.kill(ctlB, 'SIGCONT');
    stoppedPid = null;
    const healed = await c.untilState('web-b', 'running', 30_000);
    assert.equal(healed.services.find((x) => x.name === 'web-fleet')!.state, 'running');
    assert.equal(healed.services.find((x) => x.name === 'web-fleet')!.restarts, 0);
    assert.equal(await a.pid('web'), pidA);
    assert.equal(await b.pid('web'), pidB);
    assert.ok(alive(pidA) && alive(pidB));
    assert.match(c.daemonLog(), /fleet: node b unreachable: /);
    assert.match(c.daemonLog(), /fleet: node b \(\S+\) reachable again/);

    // A restart of a proxy is one restart request to its node; the local target stays up.
    const rs = await c.kelpie(['restart', 'web-a']);
    assert.equal(rs.code, 0, rs.stderr);
    const newA = (await a.until((s) => { const w = s.services.find((x) => x.name === 'web')!; return w.state === 'running' && w.pid !== pidA; }, 'web on A restarted')).services.find((x) => x.name === 'web')!.pid;
    assert.ok(newA !== null && !alive(pidA));
    const afterRestart = await c.untilState('web-a', 'running');
    assert.equal(afterRestart.services.find((x) => x.name === 'web-fleet')!.state, 'running');
    assert.equal(await b.pid('web'), pidB);

    // kelpie down on C leaves the remote services running: other nodes are autonomous.
    assert.equal((await c.kelpie(['down'])).code, 0);
    assert.equal((await a.status()).services.find((s) => s.name === 'web')!.state, 'running');
    // Stopping the target from C stops web on both nodes.
    await c.up();
    await c.untilState('web-a', 'running');
    await c.untilState('web-b', 'running');
    const stop = await c.kelpie(['stop', 'web-fleet']);
    assert.equal(stop.code, 0, stop.stderr);
    await a.untilState('web', 'stopped');
    await b.untilState('web', 'stopped');
  } finally {
    if (stoppedPid !== null) process.kill(stoppedPid, 'SIGCONT');
    await c?.cleanup();
    await b.cleanup();
    await a.cleanup();
  }
});

test('a proxy whose capability is revoked fails with the reason, and a new URL by reload brings it back', async () => {
  const a = new Node(web());
  let c: Node | null = null;
  try {
    await a.up();
    const pidA = (await a.untilState('web', 'running')).services.find((s) => s.name === 'web')!.pid;
    const caps = ['--services', 'web', '--actions', 'status,start,stop,events'];
    const first = await a.grantUrl(...caps, '--note', 'first');
    const proxy = (url: string) => `\n[remotes]\na = "${url}"\n\n[services.web-a]\nremote = { node = "a", service = "web" }\n`;
    c = new Node(proxy(first));
    await c.up();
    await c.untilState('web-a', 'running');
    const id = (JSON.parse((await a.kelpie(['cap', 'list', '--json'])).stdout) as Array<{ id: string; note: string }>).find((g) => g.note === 'first')!.id;
    assert.equal((await a.kelpie(['cap', 'revoke', id])).code, 0);
    const revoked = await c.untilState('web-a', 'failed');
    assert.match(revoked.services.find((s) => s.name === 'web-a')!.reason ?? '', new RegExp(`node a: the capability ${id} has been revoked`));
    const fj = JSON.parse((await c.kelpie(['fleet', 'status', '--json'])).stdout);
    assert.equal(fj.nodes[0].link, 'refused');
    // The service on A was never touched.
    assert.equal(await a.pid('web'), pidA);
    // A new capability, by reload: the link reconnects with it and mirrors the state again.
    const second = await a.grantUrl(...caps, '--note', 'second');
    c.write('kelpie.toml', `[api]\nlisten = "127.0.0.1:0"\n${proxy(second)}`);
    const rl = await c.kelpie(['reload']);
    assert.equal(rl.code, 0, rl.stderr);
    await c.untilState('web-a', 'running');
    assert.equal(await a.pid('web'), pidA);
    // A bad URL in a reload is refused with the field named, and changes nothing.
    c.write('kelpie.toml', `[api]\nlisten = "127.0.0.1:0"\n${proxy(second.replace('kelpie://', 'kelpie:/'))}`);
    const bad = await c.kelpie(['reload']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr + bad.stdout, /remotes\.a: not a capability URL/);
    assert.ok(!(bad.stderr + bad.stdout).includes('kelpie-cap-v1'), 'the error echoed the capability');
    assert.equal((await c.status()).services.find((s) => s.name === 'web-a')!.state, 'running');
    // Renamed in a reload: made anew, mirrored again. Removed: forgotten, and left running on A.
    c.write('kelpie.toml', `[api]\nlisten = "127.0.0.1:0"\n${proxy(second).replace('[services.web-a]', '[services.web-on-a]')}`);
    assert.equal((await c.kelpie(['reload'])).code, 0);
    await c.untilState('web-on-a', 'running');
    // Changed in place (autostart off): made anew with the same link; it mirrors, starts nothing.
    c.write('kelpie.toml', `[api]\nlisten = "127.0.0.1:0"\n${proxy(second).replace('[services.web-a]', '[services.web-on-a]')}autostart = false\n`);
    const ch = await c.kelpie(['reload', '--json']);
    assert.equal(ch.code, 0, ch.stderr);
    assert.match(ch.stdout, /"name": "web-on-a"/);
    await c.untilState('web-on-a', 'running');
    assert.equal(await a.pid('web'), pidA);
    c.write('kelpie.toml', `[api]\nlisten = "127.0.0.1:0"\n[remotes]\na = "${second}"\n`);
    const rm = await c.kelpie(['reload', '--json']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /web on node a is left as it is/);
    assert.deepEqual((await c.status()).services, []);
    assert.equal(await a.pid('web'), pidA);
    assert.equal((await a.status()).services.find((s) => s.name === 'web')!.state, 'running');
  } finally {
    await c?.cleanup();
    await a.cleanup();
  }
});

test('controllers replaced on either side: the link comes back on the same port and nothing is restarted', async () => {
  const a = new Node(web());
  let c: Node | null = null;
  try {
    await a.up();
    const before = await a.untilState('web', 'running');
    const pidA = before.services.find((s) => s.name === 'web')!.pid;
    const url = await a.grantUrl('--services', 'web', '--actions', 'status,start,stop,events');
    // autostart off: the proxies mirror web's state without asking to start it (no `start` here).
    c = new Node(`\n[remotes]\na = "${url}"\n\n[services.web-a]\nremote = { node = "a", service = "web" }\n`);
    await c.up();
    await c.untilState('web-a', 'running');
    // A's controller dies: its keeper starts a new one, which listens on the same port.
    const ctlA = before.daemon.controller_pid;
    process.kill(ctlA, 'SIGKILL');
    const a2 = await a.until((s) => s.daemon.controller_pid !== ctlA, 'a new controller on A');
    assert.equal(a2.daemon.node?.listen, before.daemon.node?.listen);
    await c.until(() => /fleet: node a \(\S+\) reachable again/.test(c!.daemonLog()), 'C to reconnect to A', 30_000);
    await c.untilState('web-a', 'running');
    // C's controller dies: the new one restores the proxy and mirrors it, starting nothing.
    const ctlC = (await c.status()).daemon.controller_pid;
    process.kill(ctlC, 'SIGKILL');
    const c2 = await c.until((s) => s.daemon.controller_pid !== ctlC && s.services.find((x) => x.name === 'web-a')?.state === 'running', 'a new controller on C mirroring web-a');
    assert.equal(c2.services.find((x) => x.name === 'web-a')!.restarts, 0);
    assert.equal(await a.pid('web'), pidA);
    const detail = (await a.kelpie(['status', 'web', '--json'])).stdout;
    assert.equal(JSON.parse(detail).exits.length, 0, 'web on A never exited');
  } finally {
    await c?.cleanup();
    await a.cleanup();
  }
});

test('kelpie signal of a remote service goes to its node, with the capability of the URL', async () => {
  const a = new Node(`
[services.web]
command = ["sh", "-c", "trap 'echo got USR1' USR1; echo started $$; while :; do sleep 0.05; done"]
ready = { log = "^started " }
`);
  let c: Node | null = null;
  try {
    await a.up();
    await a.untilState('web', 'running');
    const pidA = await a.pid('web');
    const withSignal = await a.grantUrl('--services', 'web', '--actions', 'status,events,signal', '--note', 'signal');
    const without = await a.grantUrl('--services', 'web', '--actions', 'status,events', '--note', 'no-signal');
    // autostart off: the proxies mirror web's state without asking to start it (no `start` here).
    c = new Node(`\n[remotes]\na = "${withSignal}"\nb = "${without}"\n\n[services.web-a]\nremote = { node = "a", service = "web" }\nautostart = false\n\n[services.web-b]\nremote = { node = "b", service = "web" }\nautostart = false\n`);
    await c.up();
    await c.untilState('web-a', 'running');
    await c.untilState('web-b', 'running');
    const r = await c.kelpie(['signal', 'web-a', 'USR1']);
    assert.equal(r.code, 0, r.stderr);
    await a.untilLog('web', /^got USR1$/);
    assert.equal(await a.pid('web'), pidA, 'signalled, not restarted');
    // The node decides with the URL's capability: one without `signal` is refused there.
    const refused = await c.kelpie(['signal', 'web-b', 'USR1']);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /node b: not permitted: this capability does not allow 'signal' on 'web'/);
    const bad = await c.kelpie(['signal', 'web-a', 'NOSUCH']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown signal "NOSUCH"/);
  } finally {
    await c?.cleanup();
    await a.cleanup();
  }
});

test('kelpie logs of a remote service reads its node, -f follows it there, and ends with the node', async () => {
  const a = new Node(`
[services.web]
command = ["sh", "-c", "echo started $$; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05; done"]
ready = { log = "^started " }
`);
  let c: Node | null = null;
  try {
    await a.up();
    await a.untilLog('web', /^tick 3$/);
    const withLogs = await a.grantUrl('--services', 'web', '--actions', 'status,events,logs', '--note', 'logs');
    const without = await a.grantUrl('--services', 'web', '--actions', 'status,events', '--note', 'no-logs');
    c = new Node(`\n[remotes]\na = "${withLogs}"\nb = "${without}"\n\n[services.web-a]\nremote = { node = "a", service = "web" }\nautostart = false\n\n[services.web-b]\nremote = { node = "b", service = "web" }\nautostart = false\n\n[services.here]\ncommand = ["sh", "-c", "echo local start; exec sleep 1000"]\n`);
    await c.up();
    await c.untilState('web-a', 'running');
    // The last lines, from the node, named as the proxy; with a local service, merged.
    const r = await c.kelpie(['logs', '-n', '3', 'web-a']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3, r.stdout);
    for (const l of lines) assert.match(l, /^\S+ web-a +\| tick \d+$/);
    const both = await c.client.logs(['web-a', 'here'], 1000);
    assert.ok(both.some((l) => l.service === 'here' && l.text === 'local start'));
    assert.ok(both.some((l) => l.service === 'web-a' && /^started \d+$/.test(l.text)));
    // The node decides with the URL's capability.
    const refused = await c.kelpie(['logs', 'web-b']);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /node b: not permitted: this capability does not allow 'logs' on 'web'/);
    // Following: the node's tail and its new lines, beside the local service's.
    const seen: Array<{ service: string; text: string }> = [];
    const ac = new AbortController();
    const last = Number(/tick (\d+)$/.exec(lines[2]!)![1]);
    await c.client.followLogs(['web-a', 'here'], 2, (l) => {
      seen.push(l);
      if (seen.some((x) => x.service === 'here') && seen.some((x) => x.service === 'web-a' && Number(/^tick (\d+)$/.exec(x.text)?.[1]) > last + 5)) ac.abort();
    }, ac.signal);
    assert.ok(seen.every((l) => l.service === 'web-a' || l.service === 'here'), JSON.stringify(seen.slice(0, 5)));
    const ticks = seen.filter((l) => l.service === 'web-a').map((l) => Number(/^tick (\d+)$/.exec(l.text)![1]));
    assert.deepEqual(ticks, ticks.map((_, i) => ticks[0]! + i), 'every tick once, in order');
    // The node goes down: a follow of its service ends (it does not hang).
    const following = c.client.followLogs(['web-a'], 0, () => {});
    assert.equal((await a.kelpie(['down'])).code, 0);
    const outcome = await Promise.race([following.then(() => 'ended', () => 'ended'), new Promise((r) => setTimeout(() => r('still open'), 15_000))]);
    assert.equal(outcome, 'ended');
    // Without names, logs is this node's services only: no node is asked (a is down).
    const local = await c.kelpie(['logs']);
    assert.equal(local.code, 0, local.stderr);
    assert.match(local.stdout, / here +\| local start/);
  } finally {
    await c?.cleanup();
    await a.cleanup();
  }
});
