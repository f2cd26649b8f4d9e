// Minimal HTTP over a Unix socket: JSON requests and Server-Sent Events (kelpie's API), and
// XML-RPC (supervisord's). Kept here so the benchmark depends only on the wire protocols.
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** kelpie's API wants a capability: the owner's root.cap beside the socket, when there is one. */
export function kelpieAuth(socketPath) {
  try {
    return { authorization: `Bearer ${readFileSync(join(dirname(socketPath), 'root.cap'), 'utf8').trim()}` };
  } catch {
    return {};
  }
}

/** One HTTP request; resolves { status, body } (body as text). Rejects on socket errors. */
export function httpUnix(socketPath, method, path, { body, headers = {}, timeoutMs = 30_000 } = {}) {
  headers = { ...kelpieAuth(socketPath), ...headers };
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** kelpie API call: resolves the envelope's result or rejects with its error. */
export async function kelpieCall(socketPath, method, path, body) {
  const r = await httpUnix(socketPath, method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const env = JSON.parse(r.body);
  if (!env.ok) throw new Error(`${method} ${path}: ${env.error?.code}: ${env.error?.message}`);
  return env.result;
}

/**
 * Opens an SSE stream; calls on(data, arrival) per event. Resolves once the response headers
 * arrived, with { close(), ended } (ended: a promise settled when the stream ends). The stream
 * stays open until close() or the server ends it. With `stamp`, arrival = stamp() taken once
 * per chunk read from the socket, before any parsing (so it times the arrival, not our work).
 */
export function sseUnix(socketPath, path, on, stamp) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'GET', path, headers: kelpieAuth(socketPath) }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      const ended = new Promise((r) => {
        res.once('close', r);
        res.once('end', r);
      });
      res.on('data', (chunk) => {
        const arrival = stamp?.();
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let data = '';
          for (const line of block.split('\n')) if (line.startsWith('data: ')) data += line.slice(6);
          if (data) on(JSON.parse(data), arrival);
        }
      });
      res.on('error', () => {});
      resolve({ close: () => req.destroy(), ended });
    });
    req.on('error', (e) => reject(e));
    req.end();
  });
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** XML-RPC call over a Unix socket (supervisord). Returns the raw response XML. */
export async function xmlRpc(socketPath, method, params = []) {
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params
    .map((p) => `<param><value>${typeof p === 'number' ? `<int>${p}</int>` : typeof p === 'boolean' ? `<boolean>${p ? 1 : 0}</boolean>` : `<string>${esc(p)}</string>`}</value></param>`)
    .join('')}</params></methodCall>`;
  const r = await httpUnix(socketPath, 'POST', '/RPC2', { body, headers: { 'content-type': 'text/xml' } });
  if (r.body.includes('<fault>')) throw new Error(`${method}: ${/<string>([^<]*)<\/string>/.exec(r.body)?.[1] ?? 'fault'}`);
  return r.body;
}

/** The structs of an XML-RPC response as flat objects of strings/numbers (no nesting). */
export function xmlStructs(xml) {
  return xml
    .split('<struct>')
    .slice(1)
    .map((part) => {
      const o = {};
      const re = /<member>\s*<name>([^<]*)<\/name>\s*<value>\s*(?:<(\w+)>([^<]*)<\/\2>|([^<]*))\s*<\/value>\s*<\/member>/g;
      for (const m of part.split('</struct>')[0].matchAll(re)) {
        const v = m[3] ?? m[4] ?? '';
        o[m[1]] = m[2] === 'int' || m[2] === 'i4' ? Number(v) : v;
      }
      return o;
    });
}
