// The API server on the project's Unix socket. Anyone may connect (mode 0666, in a home that
// others may traverse but not list): every request needs a capability, checked by the gate.
// Every socket error is contained.
import { chmodSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { API_VERSION } from '../protocol/api.js';
import { route, type ControllerApi } from './routes.js';

/** Listens on `socketPath`; resolves once accepting. */
export function listen(api: ControllerApi, socketPath: string): Promise<Server> {
  const server = harden(createServer((req, res) => void route(api, req, res)));
  rmSync(socketPath, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      server.on('error', () => {});
      chmodSync(socketPath, 0o666);
      chmodSync(dirname(socketPath), 0o711);
      resolve(server);
    });
  });
}

/**
 * The same API over TCP, TLS 1.3 only, with the node's self-signed certificate ([api] listen).
 * Clients pin the key by its fingerprint; the capability decides the rest, as on the socket.
 * Resolves with the server and the port it got (port 0 asks for a free one).
 */
export function listenTls(api: ControllerApi, host: string, port: number, tls: { key: string; cert: string }): Promise<{ server: Server; port: number }> {
  const handler: RequestListener = (req, res) => void route(api, req, res);
  const server = harden(createTlsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }, handler) as unknown as Server);
  server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
  server.on('secureConnection', (s: Socket) => s.on('error', () => {}));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', () => {});
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

function harden(server: Server): Server {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // A lingering close: after the 400, what the client is still sending (the rest of 70 KB of
  // headers) is read and dropped for up to 2 s, so that closing does not reset the connection
  // before the client has read the answer (it would see EPIPE or ECONNRESET instead). Node
  // reports each further chunk as another clientError: those are the answered socket's.
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (_err, socket) => {
    if (answered.has(socket)) return;
    if (!socket.writable) return socket.destroy();
    answered.add(socket);
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    socket.on('data', () => {});
    setTimeout(() => socket.destroy(), 2000).unref();
  });
  server.on('connection', (s) => s.on('error', () => {}));
  // No tunnels here; without this Node drops a CONNECT without a word.
  server.on('connect', (_req, socket: Socket) => {
    const body = JSON.stringify({ kelpie: API_VERSION, ok: false, error: { code: 'KELPIE_E_BAD_REQUEST', message: 'CONNECT is not supported' } });
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return server;
}
