// The keeper's journal: append-only lines, replayed by a later keeper; compacted; a torn last
// line and the previous format are read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessTable, readJournal } from '../../src/keeper/table.js';
import type { SpawnRequest } from '../../src/protocol/keeper.js';
import { tempDir } from '../os/helpers.js';

const req = (service: string): SpawnRequest => ({ service, argv: ['sleep', '1'], cwd: '/', env: { SECRET: 'x' }, stop: { signal: 'SIGTERM', timeoutMs: 1000 }, log: { maxBytes: 1024, keep: 1 } }) as unknown as SpawnRequest;
const owned = (pid: number) => ({ entry: { service: `s${pid}`, pid, startTime: pid * 10, spawnedAt: '2026-01-01T00:00:00.000Z' }, child: null, req: req(`s${pid}`) });

test('every add and remove is in the journal at once; a later reader sees the live ones, without env', (t) => {
  const path = join(tempDir(t), 'keeper.json');
  const table = new ProcessTable(path);
  for (let pid = 100; pid < 110; pid++) table.add(owned(pid));
  table.remove(103);
  table.remove(107);
  const live = readJournal(path);
  assert.deepEqual(live.map((e) => e.pid), [100, 101, 102, 104, 105, 106, 108, 109]);
  assert.deepEqual(live[0]!.req.env, {});
  assert.equal(live[0]!.req.stop.signal, 'SIGTERM');
  assert.ok(!readFileSync(path, 'utf8').includes('SECRET'));
});

test('the journal is compacted: churn does not grow it without bound', (t) => {
  const path = join(tempDir(t), 'keeper.json');
  const table = new ProcessTable(path);
  table.add(owned(2));
  for (let pid = 1000; pid < 3000; pid++) {
    table.add(owned(pid));
    table.remove(pid);
  }
  const lines = readFileSync(path, 'utf8').trim().split('\n').length;
  assert.ok(lines <= 2 * 1 + 64 + 2, `${lines} lines for one live process`);
  assert.deepEqual(readJournal(path).map((e) => e.pid), [2]);
});

test('a torn last line is ignored; the previous format (one document, v2) is read; junk is empty', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'keeper.json');
  const table = new ProcessTable(path);
  table.add(owned(200));
  table.add(owned(201));
  appendFileSync(path, '{"add":{"service":"s202","pid":20');
  assert.deepEqual(readJournal(path).map((e) => e.pid), [200, 201]);

  const v2 = join(dir, 'v2.json');
  writeFileSync(v2, JSON.stringify({ v: 2, processes: [{ ...owned(300).entry, req: req('s300') }] }));
  assert.deepEqual(readJournal(v2).map((e) => e.pid), [300]);

  const junk = join(dir, 'junk.json');
  writeFileSync(junk, 'not json\n');
  assert.deepEqual(readJournal(junk), []);
  assert.deepEqual(readJournal(join(dir, 'missing.json')), []);
});
