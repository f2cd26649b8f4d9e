// Small HTTP helpers: envelopes, bounded JSON bodies, SSE. A bad request never throws out
// of here: it becomes an error envelope.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_VERSION, type Envelope } from '../protocol/api.js';
import { ERRORS, KelpieError } from '../protocol/errors.js';

const MAX_BODY = 1024 * 1024;
const MAX_BUFFERED = 1024 * 1024;
const DRAIN_MS = 2000;

/** How often an idle stream says it is alive, so a peer across a network can tell a silent
 *  node from a quiet one (fleet links give up after three missed beats). */
export function heartbeatMs(env = process.env): number {
  const v = Number(env.KELPIE_FLEET_HEARTBEAT_MS);
  return Number.isInteger(v) && v >= 50 ? v : 15_000;
}

/** Sends one envelope. */
export function send<T>(res: ServerResponse, status: number, env: Envelope<T>): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(env);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  const req = res.req as IncomingMessage | undefined;
  if (!req || req.complete || req.destroyed) {
    res.end(body);
    return;
  }
  // Answered before the body was read (a refusal, say): read and drop the rest first, or the
  // close that follows a "connection: close" request resets the connection and the client
  // may lose the answer. Bounded in time; the server's request timeout bounds it too.
  res.write(body);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    res.end();
  };
  const timer = setTimeout(end, DRAIN_MS);
  req.once('end', end);
  req.once('close', end);
  req.resume();
}

export function sendOk<T>(res: ServerResponse, result: T): void {
  send(res, 200, { kelpie: API_VERSION, ok: true, result });
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof KelpieError ? err : new KelpieError('KELPIE_E_INTERNAL', err instanceof Error ? err.message : String(err));
  const error = { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.details !== undefined ? { details: e.details } : {}) };
  send(res, ERRORS[e.code].status, { kelpie: API_VERSION, ok: false, error });
}

/** Reads a JSON object body (empty body → {}); rejects with a KELPIE_E_BAD_REQUEST. */
export function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Keep reading (and dropping) so the client gets the answer, not a reset.
        if (!tooBig) reject(new KelpieError('KELPIE_E_BAD_REQUEST', `request body larger than ${MAX_BODY} bytes`));
        tooBig = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (tooBig) return;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      try {
        const v: unknown = JSON.parse(text);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch (err) {
        reject(new KelpieError('KELPIE_E_BAD_REQUEST', `request body is not a JSON object: ${(err as Error).message}`));
      }
    });
  });
}

/** Starts a Server-Sent Events stream; returns a writer and a close hook. */
export function sse(req: IncomingMessage, res: ServerResponse, onClose: () => void): (event: string, data: unknown) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': kelpie\n\n');
  req.socket.setTimeout(0);
  const beat = setInterval(() => {
    if (!res.destroyed && res.writableLength === 0) res.write(': ping\n\n');
  }, heartbeatMs());
  const done = (): void => {
    clearInterval(beat);
    onClose();
  };
  res.on('close', done);
  res.on('error', done);
  // A client slower than the stream loses events rather than growing kelpie's memory: past
  // MAX_BUFFERED bytes waiting for it, events are dropped and a 'dropped' event says how many.
  let dropped = 0;
  res.on('drain', () => {
    if (dropped > 0 && !res.destroyed) res.write(`event: dropped\ndata: ${JSON.stringify({ dropped })}\n\n`);
    dropped = 0;
  });
  return (event, data) => {
    if (res.destroyed) return;
    if (res.writableLength > MAX_BUFFERED) {
      dropped++;
      return;
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}
