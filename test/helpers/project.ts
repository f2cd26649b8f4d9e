// Integration-test harness: a temp project per test, the real CLI and daemon, and a sweep
// that proves nothing the test started is left alive. Every process kelpie starts inherits
// KELPIE_TEST_MARK from the CLI that ran `up`, so the sweep finds escaped grandchildren too.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client } from '../../src/client/client.js';
import type { KelpieEvent, ServiceState, StatusResult } from '../../src/protocol/api.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/kelpie');
export const FIXTURES = join(ROOT, 'test/fixtures');

/** `node FIXTURE args…` as a TOML array. */
export function fixture(name: string, ...args: Array<string | number>): string {
  return JSON.stringify(['node', join(FIXTURES, `${name}.mjs`), ...args.map(String)]);
}

/** Result of one CLI run. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class Project {
  readonly dir: string;
  readonly mark = randomUUID();
  readonly client: Client;
  /** A command that runs the CLI, e.g. ["ip", "netns", "exec", NS] to run it in a namespace. */
  wrap: string[] = [];

  constructor(toml: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'kelpie-it-'));
    writeFileSync(join(this.dir, 'kelpie.toml'), toml);
    this.client = new Client(join(this.dir, '.kelpie'));
  }

  get home(): string {
    return join(this.dir, '.kelpie');
  }

  write(name: string, text: string): void {
    writeFileSync(join(this.dir, name), text);
  }

  /** Runs `kelpie ARGS…` in the project directory. */
  /** Runs the CLI as a person does (the program bin/kelpie), or with `viaNode` as `node bin/kelpie`. */
  kelpie(args: string[], opts: { timeoutMs?: number; env?: Record<string, string>; viaNode?: boolean } = {}): Promise<Run> {
    return new Promise((resolveRun, reject) => {
      const [cmd, ...pre] = [...this.wrap, ...(opts.viaNode ? [process.execPath] : []), BIN];
      const child = spawn(cmd!, [...pre, ...args], {
        cwd: this.dir,
        env: { ...process.env, NO_COLOR: '1', KELPIE_TEST_MARK: this.mark, ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`kelpie ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`));
      }, opts.timeoutMs ?? 30_000);
      child.on('close', (code) => {
        clearTimeout(t);
        resolveRun({ code, stdout, stderr });
      });
    });
  }

  /** `kelpie up -d`, asserting it worked. */
  async up(): Promise<Run> {
    const r = await this.kelpie(['up', '-d']);
    if (r.code !== 0) throw new Error(`kelpie up -d failed (${r.code}):\n${r.stdout}\n${r.stderr}\n${this.daemonLog()}`);
    return r;
  }

  status(): Promise<StatusResult> {
    return this.client.status();
  }

  async pid(service: string): Promise<number | null> {
    return (await this.status()).services.find((s) => s.name === service)?.pid ?? null;
  }

  daemonLog(): string {
    try {
      return readFileSync(join(this.home, 'kelpie.log'), 'utf8');
    } catch {
      return '';
    }
  }

  serviceLog(service: string): string {
    try {
      return readFileSync(join(this.home, 'logs', `${service}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Waits (on the event stream, with a deadline) until `pred` holds for the status.
   * Checks once first, then after every event.
   */
  async until(pred: (s: StatusResult) => boolean, what: string, timeoutMs = 15_000): Promise<StatusResult> {
    const end = Date.now() + timeoutMs;
    let last: StatusResult | null = null;
    while (Date.now() < end) {
      last = await this.status();
      if (pred(last)) return last;
      // Re-check after every event; the stream ends if the controller is replaced.
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), Math.max(0, end - Date.now()));
      let found: StatusResult | null = null;
      let checking = Promise.resolve();
      await this.client
        .events(() => {
          checking = checking.then(async () => {
            if (found || ac.signal.aborted) return;
            const s = await this.status().catch(() => null);
            if (s) last = s;
            if (s && pred(s)) {
              found = s;
              ac.abort();
            }
          });
        }, ac.signal)
        .catch(() => {});
      clearTimeout(t);
      await checking;
      if (found) return found;
    }
    // With the daemon's own log (its last lines): a controller that ended, a refused start.
    const log = this.daemonLog().trimEnd().split('\n').slice(-30).join('\n');
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last status: ${JSON.stringify(last?.services)}\ndaemon log:\n${log}`);
  }

  /** Waits until `service` is in `state` (and, optionally, `extra` holds). */
  /**
   * Resolves once the daemon's API answers: for a test that starts `up -d` without awaiting
   * it. A polling loop with a deadline: before the daemon exists there is no event to wait on.
   */
  async answering(timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.status();
        return;
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  untilState(service: string, state: ServiceState, timeoutMs?: number): Promise<StatusResult> {
    return this.until((s) => s.services.some((x) => x.name === service && x.state === state), `${service} to be ${state}`, timeoutMs);
  }

  /** Waits (on the live log stream, with a deadline) for a line of `service` matching `re`. */
  async untilLog(service: string, re: RegExp, timeoutMs = 15_000): Promise<string> {
    const ac = new AbortController();
    let hit: string | null = null;
    const t = setTimeout(() => ac.abort(), timeoutMs);
    await this.client
      .followLogs([service], 10_000, (l) => {
        if (hit === null && re.test(l.text)) {
          hit = l.text;
          ac.abort();
        }
      }, ac.signal)
      .catch(() => {});
    clearTimeout(t);
    if (hit === null) throw new Error(`no line of ${service} matched ${re} within ${timeoutMs} ms\n${this.serviceLog(service)}`);
    return hit;
  }

  /** Stops the daemon if it runs, then fails if any process the test started is alive. */
  async cleanup(): Promise<void> {
    try {
      await this.kelpie(['down'], { timeoutMs: 30_000 });
    } catch {
      // fall through to the sweep
    }
    const left = await waitGone(this.mark, 3000);
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (left.length) throw new Error(`processes left alive: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`);
  }
}

/** Live (non-zombie) processes carrying the test's mark in their environment. */
export function marked(mark: string): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'latin1').includes(`KELPIE_TEST_MARK=${mark}`)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      out.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, 'latin1').replace(/\0/g, ' ').trim() });
    } catch {
      // gone or not ours to read
    }
  }
  return out;
}

/** Polls until no marked process is left or the deadline passes (a bounded wait for exits). */
export async function waitGone(mark: string, ms: number): Promise<Array<{ pid: number; cmd: string }>> {
  const end = Date.now() + ms;
  for (;;) {
    const left = marked(mark);
    if (left.length === 0 || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** A free loopback port (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

/** A process's environment as NAME=VALUE strings, from /proc. */
export function environOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean);
}

/** A self-signed EC certificate for `cn` (and SAN IP 127.0.0.1), made with openssl in `dir`. */
export function selfSignedCert(dir: string, keyFile: string, certFile: string, cn = '127.0.0.1'): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
}
