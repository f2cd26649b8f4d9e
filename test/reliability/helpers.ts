// Helpers shared by the reliability suites: raw HTTP over the API socket (for requests no
// well-behaved client would send), /proc readings (memory, PID namespaces) and deadlines.
// Everything a suite starts is still found and swept by Project.cleanup.
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';

/** What came back for one raw request. */
export interface RawReply {
  /** HTTP status, or null when the connection ended (or timed out) without a status line. */
  readonly status: number | null;
  readonly head: string;
  readonly body: string;
  /** Socket error code, 'timeout', or null. */
  readonly error: string | null;
  readonly ms: number;
}

/**
 * Writes `data` as-is on a fresh connection to `socketPath` and reads one reply: until the
 * declared content-length is in (the head alone for HEAD), the head of an event stream, the
 * server closing, or the deadline. The socket is destroyed afterwards.
 */
export function rawRequest(socketPath: string, data: string | Buffer | Array<string | Buffer>, timeoutMs = 5000): Promise<RawReply> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const isHead = String(Array.isArray(data) ? data[0] : data).startsWith('HEAD ');
    const s = connect(socketPath);
    let buf = Buffer.alloc(0);
    let error: string | null = null;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end >= 0 ? text.slice(0, end) : text;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, head, body: end >= 0 ? buf.subarray(end + 4).toString('utf8') : '', error, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => {
      error ??= 'timeout';
      finish();
    }, timeoutMs);
    s.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
      finish();
    });
    s.on('close', finish);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = text.slice(0, end).toLowerCase();
      if (head.includes('content-type: text/event-stream') || isHead) return finish();
      const len = /content-length: (\d+)/.exec(head);
      if (len && buf.length - (end + 4) >= Number(len[1])) finish();
    });
    // Written 16 KB at a time, letting replies in between: a server that answers and closes
    // early (a header too large) must have its answer read before our next write fails.
    const pieces: Buffer[] = [];
    for (const part of Array.isArray(data) ? data : [data]) {
      const b = Buffer.from(part as string, 'latin1');
      for (let off = 0; off < b.length; off += 16_384) pieces.push(b.subarray(off, off + 16_384));
    }
    const next = (): void => {
      const piece = pieces.shift();
      if (done || piece === undefined) return;
      s.write(piece, (err) => {
        if (!err) setImmediate(next);
      });
    };
    s.on('connect', next);
  });
}

/** A socket to the API with its errors swallowed (for clients that misbehave on purpose). */
export function rawSocket(socketPath: string): Socket {
  const s = connect(socketPath);
  s.on('error', () => {});
  return s;
}

/** Resident set size of `pid` in KiB (0 when it is gone). */
export function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The PIDs of `pid` as seen from each PID namespace it is in, outermost first (NSpid). */
export function nsPids(pid: number): number[] {
  try {
    const line = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? '';
    return line.trim().split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** Rejects with `what` if `p` does not settle within `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `f` every `everyMs` until it returns a non-null value or `ms` pass (then null). */
export async function poll<T>(f: () => T | null | undefined | false, ms: number, everyMs = 25): Promise<T | null> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > end) return null;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
