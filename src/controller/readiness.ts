// The controller's half of readiness: which channels a spawn gets (and the environment that
// names them), and what a notify message means.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadySpec, ServiceSpec } from '../config/types.js';
import { readStat } from '../os/proc.js';
import type { SpawnRequest } from '../protocol/keeper.js';
import { describeTarget } from '../readiness/probe.js';
import type { Service } from '../service/service.js';

const SUN_PATH_MAX = 107;

/** A socket path under the home, or under the temp dir when the home path is too long. */
function notifyPath(home: string, service: string): string {
  const p = join(home, 'notify', `${service}.sock`);
  if (Buffer.byteLength(p) <= SUN_PATH_MAX) return p;
  const short = join(tmpdir(), `kelpie-${createHash('sha256').update(home).digest('hex').slice(0, 12)}`, `${service}.sock`);
  return short;
}

/** Readiness channels and environment for one spawn of `spec`. */
export function readinessFor(home: string, spec: ServiceSpec): { readiness: NonNullable<SpawnRequest['readiness']>; env: Record<string, string> } {
  const base = channelsFor(home, spec);
  if (spec.watchdog === null) return base;
  // The watchdog speaks sd_notify: the service needs a notify socket even without notify readiness.
  const path = base.readiness.notify ?? notifyPath(home, spec.name);
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  return {
    readiness: { ...base.readiness, notify: path },
    env: { ...base.env, NOTIFY_SOCKET: path, WATCHDOG_USEC: String(spec.watchdog * 1000) },
  };
}

function channelsFor(home: string, spec: ServiceSpec): { readiness: NonNullable<SpawnRequest['readiness']>; env: Record<string, string> } {
  const r = spec.ready;
  switch (r.kind) {
    case 'notify': {
      const path = notifyPath(home, spec.name);
      mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
      return { readiness: { notify: path }, env: { NOTIFY_SOCKET: path } };
    }
    case 'fd':
      return { readiness: { fd: r.fd }, env: { KELPIE_READY_FD: String(r.fd) } };
    case 'file': {
      const path = join(home, 'ready', `${spec.name}.ready`);
      return { readiness: { file: path }, env: { KELPIE_READY_FILE: path } };
    }
    case 'log':
      return { readiness: { log: r.pattern }, env: {} };
    default:
      return { readiness: {}, env: {} };
  }
}

/** Removes socket files left by a previous run; anything that is not a socket is left alone. */
export function removeStaleSockets(paths: readonly string[]): void {
  for (const p of paths) {
    try {
      if (lstatSync(p).isSocket()) unlinkSync(p);
    } catch {
      // absent: nothing to do
    }
  }
}

/** "notify", "fd 3", "file", "log /re/", "tcp 127.0.0.1:80", "none". */
export function describeReady(r: ReadySpec, sockets: readonly string[] = []): string {
  if (r.kind === 'none' && sockets.length > 0) return `sockets ${sockets.join(', ')}`;
  switch (r.kind) {
    case 'none':
      return 'none (ready when spawned)';
    case 'fd':
      return `fd ${r.fd}`;
    case 'log':
      return `log /${r.pattern}/`;
    case 'probe':
      return describeTarget(r.probe.target);
    default:
      return r.kind;
  }
}

/**
 * Applies one sd_notify message. Only the service's own processes (its process group) are
 * heard; anything else is ignored and reported through `note`.
 */
export function applyNotify(svc: Service, sender: number | null, fields: Readonly<Record<string, string>>, note: (m: string) => void, senderGroup?: number | null): void {
  if (svc.pid === null) return note(`notify message while no process runs: ignored`);
  // The keeper looks the sender's group up when the message arrives; a keeper older than
  // that does not, and then the controller looks, later.
  const group = senderGroup !== undefined ? senderGroup : sender !== null ? (readStat(sender)?.pgrp ?? null) : null;
  if (sender !== null && sender !== svc.pid && group !== svc.pid) {
    return note(`notify message from pid ${sender}, not a process of this service: ignored`);
  }
  if (fields.STATUS !== undefined) svc.statusText = fields.STATUS;
  if (fields.EXTEND_TIMEOUT_USEC !== undefined && Number(fields.EXTEND_TIMEOUT_USEC) > 0) svc.extendReadyTimeout(Number(fields.EXTEND_TIMEOUT_USEC) / 1000);
  if (fields.ERRNO !== undefined) note(`reports errno ${fields.ERRNO}`);
  if (fields.STOPPING === '1') note('reports it is stopping');
  if (fields.RELOADING === '1') note('reports it is reloading');
  if (fields.MAINPID !== undefined) note(`reports main pid ${fields.MAINPID} (kelpie keeps supervising the process group of ${svc.pid})`);
  if (fields.WATCHDOG_USEC !== undefined && Number(fields.WATCHDOG_USEC) > 0) svc.watchdogInterval(Number(fields.WATCHDOG_USEC) / 1000);
  if (fields.WATCHDOG === '1') svc.kickWatchdog();
  if (fields.WATCHDOG === 'trigger') svc.dispatch({ type: 'unhealthy', why: 'the service triggered its watchdog (WATCHDOG=trigger)' });
  if (fields.READY === '1') svc.readyFrom(svc.pid);
}
