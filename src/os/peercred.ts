// SO_PEERCRED on an accepted Unix socket: who is on the other end (pid, uid, gid).
import type { Socket } from 'node:net';
import { ffi } from './libc.js';

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

/** The peer's credentials. */
export interface PeerCred {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

let getsockopt: ((fd: number, level: number, name: number, buf: Buffer, len: Uint32Array) => number) | null | undefined;

/** Credentials of the process at the other end of `socket`; null where they cannot be read. */
export function peerCred(socket: Socket): PeerCred | null {
  // The fd lives on an internal handle: guarded, since it is not a public API.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  if (getsockopt === undefined) {
    const f = ffi();
    try {
      getsockopt = f ? f.lib.func('int getsockopt(int, int, int, _Out_ uint8_t *, _Inout_ uint32_t *)') : null;
    } catch {
      getsockopt = null;
    }
  }
  if (!getsockopt) return null;
  const buf = Buffer.alloc(12);
  const len = new Uint32Array([12]);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, buf, len) !== 0) return null;
  return { pid: buf.readInt32LE(0), uid: buf.readUInt32LE(4), gid: buf.readUInt32LE(8) };
}
