// One probe attempt: tcp and unix connect, http GET with a status range, exec exit 0.
// Every attempt has a deadline; an exec probe's process group is killed when it runs out.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { deferredValue, restoreDeferred } from '../os/daemon-env.js';
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

let extraCa: { file: string; ca: string[] | null } | null = null;

/**
 * The CAs an https probe trusts when the controller started without NODE_EXTRA_CA_CERTS
 * (os/daemon-env.ts): Node's own roots plus that file's, as Node would have had them; null
 * (Node's defaults) when the variable was not set or the controller has it itself. A file
 * that cannot be read is left out, as Node leaves it out (with a warning) at start-up.
 */
function probeCa(): string[] | null {
  const file = process.env.NODE_EXTRA_CA_CERTS ? undefined : deferredValue('NODE_EXTRA_CA_CERTS');
  if (!file) return null;
  if (extraCa?.file !== file) {
    let pem: string | null = null;
    try {
      pem = readFileSync(file, 'utf8');
    } catch {
      pem = null;
    }
    extraCa = { file, ca: pem === null ? null : [...rootCertificates, pem] };
  }
  return extraCa.ca;
}

function httpProbe(t: Extract<ProbeTarget, { type: 'http' }>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const tls = t.url.startsWith('https:');
    const ca = tls ? probeCa() : null;
    const req = (tls ? httpsRequest : httpRequest)(t.url, { method: 'GET', timeout: timeoutMs, ...(ca ? { ca } : {}) }, (res) => {
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
    const env = restoreDeferred({ ...process.env } as Record<string, string>);
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: 'ignore', detached: true });
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
