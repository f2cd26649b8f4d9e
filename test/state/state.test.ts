import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeState, encodeState, STATE_VERSION } from '../../src/state/encode.js';
import { readState } from '../../src/state/store.js';

/** A state file exactly as kelpie wrote it before desired state existed (version 1). */
export function v1File(services: Record<string, unknown>): string {
  const body = JSON.stringify({ version: 1, writtenAt: '2026-11-22T04:00:00.000Z', services });
  return `${body}\n${createHash('sha256').update(body).digest('hex')}\n`;
}

const svc = { state: 'running', since: '2026-11-22T04:00:00.000Z', reason: null, enabled: false, pid: 10, startTime: 5, spawnedAt: null, readyAt: null, restarts: 3, failures: 0, exits: [] };

test('a version 1 state file is migrated to the current version', () => {
  const s = decodeState(v1File({ web: svc }));
  assert.equal(s.version, STATE_VERSION);
  assert.equal(s.services.web!.enabled, false);
  assert.equal(s.services.web!.restarts, 3);
  assert.equal(s.services.web!.wanted, null);
  assert.deepEqual({ ...s.registered }, {});
});

test('round trip, and refusals: corrupt checksum, truncated, newer version', () => {
  const s = decodeState(v1File({ web: svc }));
  assert.deepEqual(decodeState(encodeState(s)), s);
  const text = encodeState(s);
  assert.throws(() => decodeState(text.replace('"web"', '"wob"')), /checksum/);
  assert.throws(() => decodeState(text.split('\n')[0]!), /truncated/);
  const future = JSON.stringify({ version: STATE_VERSION + 1, writtenAt: '', services: {} });
  assert.throws(() => decodeState(`${future}\n${createHash('sha256').update(future).digest('hex')}\n`), /newer than this kelpie/);
});

test('an unreadable state file is set aside, never silently overwritten', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kelpie-state-'));
  try {
    const path = join(dir, 'state.json');
    writeFileSync(path, 'garbage');
    const warnings: string[] = [];
    const s = readState(path, (m) => warnings.push(m));
    assert.deepEqual({ ...s.services }, {});
    assert.match(warnings[0]!, /moved to .*corrupt/);
    const aside = readdirSync(dir).find((f) => f.startsWith('state.json.corrupt-'))!;
    assert.equal(readFileSync(join(dir, aside), 'utf8'), 'garbage');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
