// One probe attempt: tcp and unix connect, http GET with a status range, exec exit 0.
// Every attempt has a deadline; an exec probe's process group is killed when it runs out.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { ProbeTarget } from '../config/types.js';

/** The result of one attempt. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** Human text for a probe target: "tcp 127.0.0.1:6380", "http http://…", … */
export function describeTarget(t: ProbeTarget): string {
  switch (t.type) {
    case 'tcp':
      return `tcp ${t.host}:${t.port}`;
    case 'http':
      return `http ${t.url}`;
    case 'unix':
      return `unix ${t.path}`;
    case 'exec':
      return `exec ${t.argv.join(' ')}`;
  }
}

function connectProbe(opts: { host: string; port: number } | { path: string }, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = connect(opts as never);
    const done = (r: ProbeResult): void => {
      clearTimeout(t);
      sock.destroy();
      resolve(r);
    };
    const t = setTimeout(() => done({ ok: false, detail: `no connection within ${timeoutMs} ms` }), timeoutMs);
    sock.once('connect', () => done({ ok: true, detail: 'connected' }));
    sock.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, detail: err.code ?? err.message }));
  });
}

function httpProbe(t: Extract<ProbeTarget, { type: 'http' }>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = (t.url.startsWith('https:') ? httpsRequest : httpRequest)(t.url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      const ok = code >= t.statusMin && code <= t.statusMax;
      resolve({ ok, detail: `HTTP ${code}` });
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, detail: err.code ?? err.message }));
    req.end();
  });
}

function execProbe(argv: readonly string[], cwd: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: 'ignore', detached: true });
    const t = setTimeout(() => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(t);
      resolve({ ok: false, detail: err.code === 'ENOENT' ? `command not found: ${argv[0]}` : err.message });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ ok: code === 0, detail: signal ? `killed by ${signal}` : `exit ${code}` });
    });
  });
}

/** Runs one attempt of `target`. */
export function probeOnce(target: ProbeTarget, timeoutMs: number, cwd: string): Promise<ProbeResult> {
  switch (target.type) {
    case 'tcp':
      return connectProbe({ host: target.host, port: target.port }, timeoutMs);
    case 'unix':
      return connectProbe({ path: target.path }, timeoutMs);
    case 'http':
      return httpProbe(target, timeoutMs);
    case 'exec':
      return execProbe(target.argv, cwd, timeoutMs);
  }
}
