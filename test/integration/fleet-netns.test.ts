// A real network partition between two kelpie nodes: node B runs in its own network namespace
// (ip netns), joined to the host by a veth pair; node C, on the host, mirrors B's web service
// through a proxy. Taking the host end of the link down cuts the network (packets go nowhere;
// neither kelpie is told): C's proxy turns unreachable while web keeps running on B; bringing
// the link up heals it, with nothing restarted on either side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project, fixture, alive } from '../helpers/project.js';

const CONFIG_HOME = mkdtempSync(join(tmpdir(), 'kelpie-netns-cfg-'));
const ENV = { KELPIE_FLEET_HEARTBEAT_MS: '500', KELPIE_FLEET_BACKOFF_MAX_MS: '1000', KELPIE_CONFIG_HOME: CONFIG_HOME };
process.env.KELPIE_CONFIG_HOME = CONFIG_HOME;
test.after(() => rmSync(CONFIG_HOME, { recursive: true, force: true }));

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

class Node extends Project {
  override kelpie(args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}) {
    return super.kelpie(args, { ...opts, env: { ...ENV, ...opts.env } });
  }
}

test('a real partition (veth link down between network namespaces): unreachable, then healed without restarts', async () => {
  assert.equal(process.getuid?.(), 0, 'this test needs root (CI runs as root) to make a network namespace');
  // Names and addresses of this run only (interface names are at most 15 characters).
  const tag = String(process.pid % 100000);
  const ns = `kelpie-t${tag}`;
  const hostIf = `kh${tag}`;
  const nsIf = `kn${tag}`;
  const net = `10.213.${process.pid % 250}`;
  let made = false;
  let b: Node | null = null;
  let c: Node | null = null;
  try {
    ip('netns', 'add', ns);
    made = true;
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', ns);
    ip('addr', 'add', `${net}.1/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${net}.2/30`, 'dev', nsIf);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');

    // B: in the namespace, its API on the namespace's address.
    b = new Node(`[api]\nlisten = "${net}.2:0"\n\n[services.web]\ncommand = ${fixture('forever')}\n`);
    b.wrap = ['ip', 'netns', 'exec', ns];
    await b.up();
    const webPid = (await b.pid('web'))!;
    const g = await b.kelpie(['grant', '--url', '--services', 'web', '--actions', 'status,start,stop,restart,events']);
    assert.equal(g.code, 0, g.stderr);
    const url = g.stdout.trim();
    assert.match(url, new RegExp(`^kelpie://\\w+@${net.replaceAll('.', '\\.')}\\.2:\\d+/`));

    // C: on the host, reaching B only through the veth link.
    c = new Node(`[remotes]\nb = "${url}"\n\n[services.web-b]\nremote = { node = "b", service = "web" }\n`);
    await c.up();
    await c.untilState('web-b', 'running');

    // The partition: the host end of the link goes down.
    ip('link', 'set', hostIf, 'down');
    const during = await c.untilState('web-b', 'unreachable', 20_000);
    assert.match(during.services.find((x) => x.name === 'web-b')!.reason ?? '', /^node b: /);
    assert.match(c.daemonLog(), /fleet: node b unreachable: /);
    // B's service is untouched, and B does not notice anything it needs to act on.
    assert.equal(await b.pid('web'), webPid);
    assert.ok(alive(webPid));
    const direct = await c.kelpie(['--remote', url, 'status'], { timeoutMs: 60_000 });
    assert.notEqual(direct.code, 0, 'a node on the other side of a partition answered');

    // Healed: picked up again, nothing restarted.
    ip('link', 'set', hostIf, 'up');
    const healed = await c.untilState('web-b', 'running', 30_000);
    assert.equal(healed.services.find((x) => x.name === 'web-b')!.restarts, 0);
    assert.equal(await b.pid('web'), webPid);
    assert.match(c.daemonLog(), /fleet: node b \(\S+\) reachable again/);
    const st = await b.status();
    assert.equal(st.services.find((x) => x.name === 'web')!.restarts, 0);
  } finally {
    await c?.cleanup();
    await b?.cleanup();
    if (made) ip('netns', 'del', ns); // takes the veth pair with it
  }
});
