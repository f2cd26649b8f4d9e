// The web dashboard end to end in real headless Chromium (Debian's chromium, driven by
// playwright-core): one-time login, the live table, a kill -9 seen without a reload, stop and
// start from the page, the graph, and a read-only capability that gets no buttons and whose
// writes the API refuses. Screenshots go to test/output/ for a person to look at; with
// KELPIE_SCREENSHOTS=docs/img they replace the ones docs/dashboard.md shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Project, fixture, waitGone, ROOT } from '../helpers/project.js';

const CHROMIUM = '/usr/bin/chromium';
const IMG = resolve(ROOT, process.env.KELPIE_SCREENSHOTS ?? 'test/output');
mkdirSync(IMG, { recursive: true });

const services = `
[services.db]
command = ${fixture('forever')}
ready = { log = "started" }
[services.cache]
command = ${fixture('notify-ready', 100, 'warm')}
ready = { notify = true }
[services.web]
command = ${fixture('forever')}
requires = ["db", "cache"]
restart = "always"
[services.worker]
command = ${fixture('forever')}
wants = ["web"]
[services.migrate]
kind = "oneshot"
command = ["true"]
[services.api]
command = ${fixture('forever')}
requires = [{ service = "migrate", condition = "completed" }, "db"]
[services.batch]
command = ${fixture('forever')}
restart = "never"
`;

/** Starts Chromium with a mark in its environment, so the sweep can prove it is gone. */
async function browser(mark: string): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, env: { ...process.env, KELPIE_TEST_MARK: mark }, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
}

async function closeBrowser(b: Browser | null, mark: string): Promise<void> {
  await b?.close().catch(() => {});
  const left = await waitGone(mark, 5000);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  assert.deepEqual(left, [], 'chromium processes left alive');
}

async function link(p: Project, cap?: string): Promise<string> {
  const r = await p.kelpie([...(cap ? ['--cap', cap] : []), 'dashboard', '--no-open', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const url = (JSON.parse(r.stdout) as { url: string }).url;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/login\?code=[0-9a-f]{48}$/);
  return url;
}

const cell = (page: Page, svc: string, col: number): Promise<string> => page.locator(`tr[data-service="${svc}"] td:nth-child(${col})`).innerText();

test('dashboard: one-time link, live table, kill -9 seen without a reload, stop and start from the page, graph', async () => {
  const p = new Project(services);
  const mark = randomUUID();
  let b: Browser | null = null;
  try {
    await p.up();
    await p.until((s) => s.services.every((x) => x.state === 'running' || x.state === 'done'), 'everything up');
    const url = await link(p);
    b = await browser(mark);
    const ctx = await b.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    assert.equal(new URL(page.url()).pathname, '/', 'the login redirects to the page');
    await page.waitForSelector('tr[data-service="web"] [data-state="running"]');
    await page.waitForSelector('#conn[data-conn="live"]');
    // The session is an HttpOnly, SameSite=Strict cookie named for this listener's port (two
    // kelpies on one host must not overwrite each other's).
    const cookies = await ctx.cookies();
    assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.sameSite]), [[`kelpie_session_${new URL(url).port}`, true, 'Strict']]);
    // A write carrying the cookie but another site's Origin is refused and changes nothing.
    const forged = await ctx.request.post(new URL('/v1/stop', url).href, { headers: { origin: 'http://evil.example', 'content-type': 'application/json' }, data: { services: ['web'] } });
    assert.equal(forged.status(), 403);
    assert.match(await forged.text(), /cross-origin/);
    assert.equal((await p.status()).services.find((s) => s.name === 'web')!.state, 'running');
    // The link worked once: a second browser gets a refusal, and no cookie means no API.
    const other = await b.newContext();
    const again = await other.request.get(url, { maxRedirects: 0 });
    assert.equal(again.status(), 403);
    assert.match(await again.text(), /already used or has expired/);
    const anon = await other.request.get(new URL('/v1/status', url).href);
    assert.equal(anon.status(), 401);
    await other.close();
    // Readiness and usage show up (usage arrives on its own stream).
    assert.equal(await cell(page, 'db', 3), 'log /started/');
    assert.equal(await cell(page, 'cache', 3), 'notify');
    await page.waitForFunction(() => /MiB|KiB/.test(document.querySelector('tr[data-service="web"] td:nth-child(9)')?.textContent ?? ''));
    // CPU percent needs two samples (one every 2 s while the page watches). Meanwhile the row
    // is updated in place: the button under the pointer stays the same element.
    await page.evaluate(() => ((window as unknown as { kelpieButton: Element | null }).kelpieButton = document.querySelector('tr[data-service="web"] button[data-action="stop"]')));
    await page.waitForFunction(() => /%/.test(document.querySelector('tr[data-service="web"] td:nth-child(8)')?.textContent ?? ''), undefined, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { kelpieButton: Element }).kelpieButton.isConnected), true, 'the stop button was not replaced by an update');
    assert.equal(await page.locator('tr[data-service="web"] button[data-action]').count(), 3, 'the owner gets start, stop and restart');
    // kill -9 of a service that is not restarted: the page turns it failed, live.
    process.kill((await p.pid('batch'))!, 'SIGKILL');
    await page.waitForSelector('tr[data-service="batch"] [data-state="failed"]', { timeout: 15_000 });
    // The reason arrives with the status fetched after the event.
    await page.waitForFunction(() => /SIGKILL/.test(document.querySelector('tr[data-service="batch"] .why')?.textContent ?? ''));
    assert.equal(await page.locator('tr[data-service="batch"] .state').innerText(), 'failed');
    assert.equal(await cell(page, 'batch', 5), '-', 'no pid any more');
    await page.screenshot({ path: join(IMG, 'dashboard-services.png'), fullPage: true });

    // kill -9 of web: the table shows the respawn (new pid, a restart) with no page load.
    await page.evaluate(() => ((window as unknown as { kelpieMark: number }).kelpieMark = 42));
    const old = (await p.pid('web'))!;
    process.kill(old, 'SIGKILL');
    await page.waitForFunction((o) => {
      const pid = document.querySelector('tr[data-service="web"] td:nth-child(5)')?.textContent;
      const restarts = document.querySelector('tr[data-service="web"] td:nth-child(7)')?.textContent;
      return pid !== String(o) && pid !== '-' && restarts === '1' && document.querySelector('tr[data-service="web"] [data-state="running"]') !== null;
    }, old, { timeout: 15_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { kelpieMark?: number }).kelpieMark), 42, 'the page was not reloaded');
    assert.equal((await p.status()).services.find((s) => s.name === 'web')!.restarts, 1);

    // Service page: config, the exit just seen, events, the log tail with search.
    await page.click('tr[data-service="web"] a');
    await page.waitForSelector('h1 .state[data-state="running"]');
    await page.waitForFunction(() => /signal SIGKILL/.test(document.querySelector('table.exits')?.textContent ?? ''));
    await page.waitForFunction(() => (document.querySelector('.log')?.textContent ?? '').includes('started'));
    await page.fill('.log-search', 'no such text anywhere');
    assert.match(await page.locator('.log-count').innerText(), /^0 of \d+ lines match$/);
    await page.fill('.log-search', 'started');
    assert.match(await page.locator('.log-count').innerText(), /^[1-9]\d* of \d+ lines match$/);
    await page.fill('.log-search', '');
    await page.screenshot({ path: join(IMG, 'dashboard-service.png'), fullPage: true });

    // Stop and start from the page; the API agrees.
    await page.click('.page-actions button[data-action="stop"]');
    await page.waitForSelector('h1 .state[data-state="stopped"]', { timeout: 15_000 });
    assert.equal((await p.status()).services.find((s) => s.name === 'web')!.state, 'stopped');
    await page.click('.page-actions button[data-action="start"]');
    await page.waitForSelector('h1 .state[data-state="running"]', { timeout: 15_000 });
    assert.equal((await p.status()).services.find((s) => s.name === 'web')!.state, 'running');

    // The graph: laid out, every service drawn, coloured by state, live.
    await page.click('nav a[data-nav="graph"]');
    await page.waitForSelector('.graph svg [data-node="api"]');
    for (const n of ['db', 'cache', 'web', 'worker', 'migrate', 'api', 'batch']) assert.equal(await page.locator(`[data-node="${n}"]`).count(), 1, n);
    assert.equal(await page.locator('[data-node="migrate"]').getAttribute('data-state'), 'done');
    assert.ok((await page.locator('.graph path.edge').count()) >= 5);
    await p.client.act('stop', ['worker']);
    await page.waitForSelector('[data-node="worker"][data-state="stopped"]');
    await page.screenshot({ path: join(IMG, 'dashboard-graph.png'), fullPage: true });

    await page.click('nav a[data-nav="fleet"]');
    await page.waitForSelector('[data-fleet="none"]');
    assert.deepEqual(errors, [], 'no script errors on the page');
    // The page watched resource use; once it is closed the daemon stops sampling.
    assert.equal((await p.client.usage()).sampling, true);
    await ctx.close();
    for (const end = Date.now() + 10_000; (await p.client.usage()).sampling; ) {
      assert.ok(Date.now() < end, 'sampling stopped once the page was closed');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await closeBrowser(b, mark);
    await p.cleanup();
  }
});

test('dashboard with a read-only capability: no buttons, and the API refuses its writes', async () => {
  const p = new Project(services);
  const mark = randomUUID();
  let b: Browser | null = null;
  try {
    await p.up();
    await p.untilState('web', 'running');
    const g = await p.kelpie(['grant', '--actions', 'status,logs,events,graph', '--out', 'viewer.cap', '--note', 'viewer']);
    assert.equal(g.code, 0, g.stderr);
    const url = await link(p, 'viewer.cap');
    b = await browser(mark);
    const page = await (await b.newContext({ viewport: { width: 1280, height: 600 } })).newPage();
    await page.goto(url);
    await page.waitForSelector('tr[data-service="web"] [data-state="running"]');
    assert.equal(await page.locator('button[data-action]').count(), 0, 'no buttons on the table');
    assert.match(await page.locator('#daemon').innerText(), /read-only/);
    await page.screenshot({ path: join(IMG, 'dashboard-read-only.png') });
    await page.click('tr[data-service="web"] a');
    await page.waitForSelector('h1 .state[data-state="running"]');
    assert.equal(await page.locator('button[data-action]').count(), 0, 'no buttons on the service page');
    // Even a hand-made request from the page is refused, and changes nothing.
    const r = await page.evaluate(async () => {
      const res = await fetch('/v1/stop', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ services: ['web'] }) });
      return { status: res.status, body: (await res.json()) as { ok: boolean; error?: { code: string; message: string } } };
    });
    assert.equal(r.status, 403);
    assert.equal(r.body.error?.code, 'KELPIE_E_FORBIDDEN');
    assert.match(r.body.error?.message ?? '', /does not allow 'stop'/);
    // A write that is not JSON (what a form on another site could send) is refused before the gate.
    const form = await page.evaluate(async () => (await fetch('/v1/stop', { method: 'POST', body: 'services=web' })).status);
    assert.equal(form, 400);
    const access = await page.evaluate(async () => ((await (await fetch('/v1/access')).json()) as { result: { services: Record<string, string[]> } }).result);
    assert.deepEqual(access.services['web'], ['logs']);
    assert.equal((await p.status()).services.find((s) => s.name === 'web')!.state, 'running');
    // kill -9 of the controller: the keeper starts a new one, which opens the listener on the
    // same port with the sessions the old one had; the page reconnects by itself, and follows
    // the new controller's events (numbered from 1 again). The services keep running.
    await page.evaluate(() => (location.hash = '#/'));
    await page.waitForSelector('tr[data-service="web"] [data-state="running"]');
    const st = await p.status();
    await page.evaluate(() => ((window as unknown as { kelpieMark: number }).kelpieMark = 7));
    process.kill(st.daemon.controller_pid, 'SIGKILL');
    const after = await p.until((s) => s.daemon.controller_pid !== st.daemon.controller_pid, 'a new controller');
    assert.equal(after.services.find((s) => s.name === 'web')!.pid, st.services.find((s) => s.name === 'web')!.pid, 'web was not restarted');
    // Two respawns of web in a row, each seen on the page: the second one can only arrive as
    // an event of the new controller's stream.
    let web = st.services.find((s) => s.name === 'web')!.pid!;
    for (let i = 0; i < 2; i++) {
      process.kill(web, 'SIGKILL');
      await page.waitForFunction((o) => {
        const pid = document.querySelector('tr[data-service="web"] td:nth-child(5)')?.textContent;
        return pid !== String(o) && pid !== '-' && document.querySelector('tr[data-service="web"] [data-state="running"]') !== null;
      }, web, { timeout: 15_000 });
      await p.until((s) => s.services.some((x) => x.name === 'web' && x.state === 'running' && x.pid !== web), 'web respawned');
      web = (await p.pid('web'))!;
      await page.waitForFunction((pid) => document.querySelector('tr[data-service="web"] td:nth-child(5)')?.textContent === String(pid), web, { timeout: 15_000 });
    }
    assert.equal(await page.locator('#conn').getAttribute('data-conn'), 'live');
    assert.equal(await page.evaluate(() => (window as unknown as { kelpieMark?: number }).kelpieMark), 7, 'the page was not reloaded');
    assert.match(p.daemonLog(), /dashboard at http:\/\/127\.0\.0\.1:\d+ again, 1 session\(s\) kept/);
    // The saved sessions are the owner's alone, and hold no cookie as it was sent.
    const saved = statSync(join(p.dir, '.kelpie/dashboard.json'));
    assert.equal(saved.mode & 0o777, 0o600);
    const cookie = (await page.context().cookies())[0]!.value;
    assert.ok(!readFileSync(join(p.dir, '.kelpie/dashboard.json'), 'utf8').includes(cookie), 'the session id is kept hashed');
    // Revoked: the session ends, and the page says so instead of retrying.
    const list = JSON.parse((await p.kelpie(['cap', 'list', '--json'])).stdout) as Array<{ id: string; note: string }>;
    assert.equal((await p.kelpie(['cap', 'revoke', list.find((x) => x.note === 'viewer')!.id])).code, 0);
    await page.waitForSelector('#conn[data-conn="lost"]', { timeout: 15_000 });
    assert.match(await page.locator('#conn').innerText(), /run kelpie dashboard again/);
  } finally {
    await closeBrowser(b, mark);
    await p.cleanup();
  }
});

test('kelpie dashboard opens the link with xdg-open, in the environment the person started kelpie with', async () => {
  const p = new Project(services);
  try {
    await p.up();
    // A stand-in for xdg-open that records what it was given.
    mkdirSync(join(p.dir, 'fakebin'));
    p.write('fakebin/xdg-open', '#!/bin/sh\nenv > "$(dirname "$0")/env.txt"\nprintf %s "$1" > "$(dirname "$0")/url.tmp" && mv "$(dirname "$0")/url.tmp" "$(dirname "$0")/url.txt"\n');
    chmodSync(join(p.dir, 'fakebin/xdg-open'), 0o755);
    const ca = join(p.dir, 'ca.pem');
    const r = await p.kelpie(['dashboard'], { env: { PATH: `${join(p.dir, 'fakebin')}:${process.env.PATH}`, DISPLAY: ':99', NODE_EXTRA_CA_CERTS: ca } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /opened the dashboard in your browser/);
    // xdg-open runs detached: wait (with a deadline) for what it wrote; nothing signals it.
    const url = join(p.dir, 'fakebin/url.txt');
    for (const end = Date.now() + 10_000; !existsSync(url); ) {
      if (Date.now() > end) throw new Error('xdg-open was not run');
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.match(readFileSync(url, 'utf8'), /^http:\/\/127\.0\.0\.1:\d+\/.+/);
    const env = readFileSync(join(p.dir, 'fakebin/env.txt'), 'utf8').split('\n');
    assert.ok(env.includes(`NODE_EXTRA_CA_CERTS=${ca}`), 'the browser gets NODE_EXTRA_CA_CERTS as set');
    assert.ok(!env.some((e) => e.startsWith('KELPIE_DEFERRED_')), 'nothing of how kelpie carries it');
  } finally {
    await p.cleanup();
  }
});
