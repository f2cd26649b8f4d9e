// Log capture: line assembly, record format, rotated log files, per-service capture of real pipes.
// Run: node --import tsx --test test/keeper/logs.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import fc from 'fast-check';
import { LineAssembler, LogFile, ServiceLog, formatLogLine, parseLogLine } from '../../src/keeper/logs/index.js';
import type { LogEntry, WriteFn } from '../../src/keeper/logs/index.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');

function tmpdir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kelpie-logs-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

type Piece = { text: string; partial: boolean };
function assemble(chunks: Buffer[], maxLine?: number): Piece[] {
  const out: Piece[] = [];
  const asm = new LineAssembler((text, partial) => out.push({ text, partial }), maxLine ? { maxLine } : {});
  for (const c of chunks) asm.feed(c);
  asm.end();
  return out;
}
/** Join continuation pieces back into whole lines. */
function join(pieces: Piece[]): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const p of pieces) {
    cur += p.text;
    if (!p.partial) (lines.push(cur), (cur = ''));
  }
  assert.equal(cur, '', 'stream ended on a partial piece');
  return lines;
}
function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) (out.push(buf.subarray(prev, p)), (prev = p));
  return out;
}

test('lines: random text split into random chunks reassembles to text.split("\\n")', () => {
  const text = fc
    .array(fc.oneof(fc.constant('\n'), fc.string({ unit: 'binary', maxLength: 30 })), { maxLength: 30 })
    .map((parts) => parts.join('').replace(/[\r\uFFFD]/g, ''));
  fc.assert(
    fc.property(text, fc.array(fc.nat(), { maxLength: 40 }), fc.integer({ min: 4, max: 64 }), (s, cuts, maxLine) => {
      const pieces = assemble(splitAt(Buffer.from(s), cuts), maxLine);
      const expected = s.split('\n');
      if (expected[expected.length - 1] === '') expected.pop();
      assert.deepEqual(join(pieces), expected);
      for (const p of pieces) {
        assert.ok(Buffer.byteLength(p.text) <= maxLine, 'piece longer than maxLine');
        assert.ok(!p.text.includes('\uFFFD'), 'piece cut inside a character');
      }
    }),
    { numRuns: 300 },
  );
});

test('lines: multi-byte characters split across reads, CRLF, invalid UTF-8', () => {
  const bytes = Buffer.from('🦘é✓\n');
  assert.deepEqual(join(assemble([...bytes].map((b) => Buffer.from([b])))), ['🦘é✓']);
  assert.deepEqual(join(assemble([Buffer.from('a\r'), Buffer.from('\nb\rc\r\n')])), ['a', 'b\rc']);
  const bad = Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82, 0x0a, 0xc3]);
  const lines = join(assemble([bad.subarray(0, 5), bad.subarray(5)]));
  assert.equal(lines.length, 3);
  assert.equal(lines[0], 'a\uFFFDb');
  for (const l of lines.slice(1)) assert.match(l, /^\uFFFD+$/);
});

test('lines: long lines are split at character boundaries, eagerly, partial on all but last', () => {
  const ascii = assemble([Buffer.from('a'.repeat(25) + '\n')], 10);
  assert.deepEqual(ascii.map((p) => [p.text.length, p.partial]), [[10, true], [10, true], [5, false]]);
  const wide = assemble([Buffer.from('é'.repeat(11))], 5); // 22 bytes, 2-byte chars
  assert.deepEqual(wide.map((p) => p.text), ['éé', 'éé', 'éé', 'éé', 'éé', 'é']);
  const seen: Piece[] = [];
  const asm = new LineAssembler((text, partial) => seen.push({ text, partial }), { maxLine: 10 });
  asm.feed(Buffer.from('x'.repeat(100)));
  assert.equal(seen.length, 9, 'pieces are emitted before the newline arrives');
  assert.ok(asm.buffered <= 10);
  seen.length = 0; // a CR held at the limit belongs to the CRLF, not to the text
  asm.end();
  asm.feed(Buffer.from('y'.repeat(10) + '\r'));
  asm.feed(Buffer.from('\n'));
  assert.deepEqual(seen.slice(1), [{ text: 'y'.repeat(10), partial: false }]);
});

test('format: records round-trip, partial pieces are marked, junk is rejected', () => {
  const at = new Date(Date.UTC(2026, 10, 22, 3, 47, 28, 123));
  assert.equal(formatLogLine(at, 'out', 'hello', false), '2026-11-22T03:47:28.123Z out hello');
  assert.equal(formatLogLine(at, 'err', 'a b', true), '2026-11-22T03:47:28.123Z err+ a b');
  assert.deepEqual(parseLogLine(formatLogLine(at, 'err', ' x ', true)), {
    at: '2026-11-22T03:47:28.123Z', stream: 'err', partial: true, text: ' x ',
  });
  assert.equal(parseLogLine(formatLogLine(at, 'out', '', false))?.text, '');
  for (const junk of ['', 'hello', '2026-11-22T03:47:28Z out x', '2026-11-22T03:47:28.123Z foo x']) {
    assert.equal(parseLogLine(junk), null);
  }
});

/** Lines of name, name.1 … oldest first, each file checked to end in a complete line. */
function readRotated(file: string, maxBytes: number): { lines: string[]; files: number } {
  const names = fs.readdirSync(path.dirname(file)).filter((n) => n.startsWith(path.basename(file)));
  const order = names.map((n) => Number(n.slice(path.basename(file).length + 1) || 0)).sort((a, b) => b - a);
  const lines: string[] = [];
  for (const i of order) {
    const body = fs.readFileSync(i ? `${file}.${i}` : file, 'utf8');
    if (body === '') continue;
    assert.ok(body.endsWith('\n'), `file .${i} ends inside a line`);
    const own = body.slice(0, -1).split('\n');
    if (own.length > 1) assert.ok(Buffer.byteLength(body) <= maxBytes, `file .${i} exceeds maxBytes`);
    lines.push(...own);
  }
  return { lines, files: order.length };
}

test('file: rotation only between lines, keep respected, nothing lost while kept', (t) => {
  const dir = tmpdir(t);
  let run = 0;
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 8 }), { maxLength: 40 }),
      fc.integer({ min: 40, max: 300 }),
      fc.integer({ min: 0, max: 4 }),
      (batches, maxBytes, keep) => {
        const file = path.join(dir, `r${run++}`, 'svc.log');
        fs.mkdirSync(path.dirname(file));
        const all = path.join(path.dirname(file), 'all');
        const big = new LogFile(all, { maxBytes: 1e9, keep: 1 }); // batching keeps bytes exact
        const log = new LogFile(file, { maxBytes, keep });
        const written: string[] = [];
        for (const lens of batches) {
          const lines = lens.map((n, i) => `L${written.length + i} ${'x'.repeat(n)}`);
          written.push(...lines);
          if (lines.length === 1) log.write(lines[0] as string);
          else log.writeLines(lines);
          big.writeLines(lines);
        }
        log.close();
        big.close();
        const { lines, files } = readRotated(file, maxBytes);
        assert.ok(files <= keep + 1, `${files} files with keep=${keep}`);
        assert.equal(log.dropped, 0);
        assert.deepEqual(lines, written.slice(written.length - lines.length), 'kept lines are the newest, in order');
        // No line, no file (it is created at the first line).
        assert.equal(fs.existsSync(all) ? fs.readFileSync(all, 'utf8') : '', written.map((l) => `${l}\n`).join(''));
        assert.equal(fs.existsSync(all), written.length > 0);
        if (keep === 4 && written.length > 0) {
          const spare = path.join(path.dirname(file), 'spare.log'); // keep large enough: every line kept
          const l2 = new LogFile(spare, { maxBytes, keep: 1000 });
          l2.writeLines(written);
          l2.close();
          assert.deepEqual(readRotated(spare, maxBytes).lines, written);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('file: size continues from an existing file; setLimits applies in place', (t) => {
  const file = path.join(tmpdir(t), 'svc.log');
  fs.writeFileSync(file, 'old line\n');
  const log = new LogFile(file, { maxBytes: 1000, keep: 5 });
  log.write('z'.repeat(99));
  assert.equal(log.size, 9 + 100, 'appended after the existing line');
  for (let i = 0; i < 6; i++) {
    log.write('x'.repeat(600)); // every write after the first rotates
  }
  assert.ok(fs.existsSync(`${file}.5`) && !fs.existsSync(`${file}.6`));
  log.setLimits({ maxBytes: 1000, keep: 2 });
  log.write('y'.repeat(600));
  assert.ok(fs.existsSync(`${file}.2`) && !fs.existsSync(`${file}.3`), 'old rotations beyond keep removed');
  log.close();
});

test('file: opened O_APPEND and close-on-exec', { skip: !fs.existsSync('/proc/self/fdinfo') }, (t) => {
  const file = path.join(tmpdir(t), 'svc.log');
  const log = new LogFile(file, { maxBytes: 1000, keep: 1 });
  assert.equal(fs.existsSync(file), false, 'not created before the first line');
  log.write('first');
  const fd = fs.readdirSync('/proc/self/fd').find((n) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${n}`) === fs.realpathSync(file);
    } catch {
      return false;
    }
  });
  assert.ok(fd, 'log fd not found');
  const flags = parseInt(/flags:\s*([0-7]+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8);
  assert.ok(flags & 0o2000, 'O_APPEND');
  assert.ok(flags & 0o2000000, 'O_CLOEXEC');
  log.close();
});

test('file: write errors are counted, never thrown, and writing resumes; torn lines completed', (t) => {
  const file = path.join(tmpdir(t), 'svc.log');
  let mode: 'ok' | 'full' | 'short' = 'ok';
  const writeSync: WriteFn = (fd, buf, off, len) => {
    if (mode === 'full') throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    if (mode === 'short') {
      mode = 'full'; // like a disk filling up mid-write: a short write, then ENOSPC
      return fs.writeSync(fd, buf, off, Math.min(len, 7));
    }
    return fs.writeSync(fd, buf, off, len);
  };
  const log = new LogFile(file, { maxBytes: 1e6, keep: 1, writeSync });
  log.writeLines(['one', 'two']);
  mode = 'full';
  log.writeLines(['lost1', 'lost2', 'lost3']);
  assert.equal(log.dropped, 3);
  assert.equal(log.lastError?.code, 'ENOSPC');
  mode = 'short';
  log.writeLines(['three-is-long', 'lost4']); // "three-i" reaches the file, the rest is held
  assert.equal(log.dropped, 4);
  log.write('lost5'); // still full: the torn tail cannot be written either
  assert.equal(log.dropped, 5);
  mode = 'ok';
  log.writeLines(['four', 'five']);
  log.close();
  assert.equal(fs.readFileSync(file, 'utf8'), 'one\ntwo\nthree-is-long\nfour\nfive\n');
  assert.equal(log.dropped, 5);
  log.write('after close'); // no throw
});

/** Spawn a fixture with piped stdout/stderr; the test fails if it is still alive at the end. */
function fixture(t: { after: (fn: () => void) => void }, name: string, args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [path.join(FIXTURES, name), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      assert.fail(`${name} (pid ${child.pid}) was still alive`);
    }
  });
  return { child, exited };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function records(file: string): ReturnType<typeof parseLogLine>[] {
  return readRotated(file, Infinity).lines.map((l) => parseLogLine(l));
}

test('capture: drains a real child pipe to EOF, every line once and in order', async (t) => {
  const file = path.join(tmpdir(t), 'chatty.log');
  const { child, exited } = fixture(t, 'chatty.mjs', ['5000', '100']);
  const log = new ServiceLog('chatty', { path: file, maxBytes: 64 << 20, keep: 1 });
  const drained = [log.attach(child.stdout!, 'out'), log.attach(child.stderr!, 'err')];
  assert.equal(log.attached, 2);
  await Promise.all(drained);
  assert.equal(await exited, 0);
  assert.equal(child.exitCode, 0);
  assert.equal(log.attached, 0);
  await log.close();
  const recs = records(file);
  assert.ok(recs.every((r) => r !== null && r.stream === 'out' && !r.partial));
  const fill = 'x'.repeat(93);
  assert.deepEqual(
    recs.map((r) => r?.text),
    Array.from({ length: 5000 }, (_, i) => `${String(i + 1).padStart(6, '0')} ${fill}`),
  );
});

test('capture: stdout and stderr into one rotating file, onLine sees every entry', async (t) => {
  const file = path.join(tmpdir(t), 'svc.log');
  const { child, exited } = fixture(t, 'chatty.mjs', ['2000', '40', '10']);
  const seen: LogEntry[] = [];
  const log = new ServiceLog('svc', { path: file, maxBytes: 16384, keep: 1000, onLine: (e) => seen.push(e) });
  await Promise.all([log.attach(child.stdout!, 'out'), log.attach(child.stderr!, 'err')]);
  assert.equal(await exited, 0);
  await log.close();
  const recs = records(file);
  assert.ok(fs.existsSync(`${file}.3`), 'rotated several times');
  const out = recs.filter((r) => r?.stream === 'out').map((r) => r?.text.slice(0, 6));
  const err = recs.filter((r) => r?.stream === 'err').map((r) => r?.text.slice(4, 10));
  assert.deepEqual(out, Array.from({ length: 2000 }, (_, i) => String(i + 1).padStart(6, '0')));
  assert.deepEqual(err, Array.from({ length: 200 }, (_, i) => String((i + 1) * 10).padStart(6, '0')));
  assert.equal(seen.length, 2200);
  assert.ok(seen.every((e) => e.service === 'svc' && e.at instanceof Date));
});

test('capture: odd-sized writes with split characters, CRLF, invalid bytes, no final newline', async (t) => {
  const file = path.join(tmpdir(t), 'split.log');
  const { exited, child } = fixture(t, 'split-writes.mjs', []);
  const seen: string[] = [];
  const log = new ServiceLog('split', { path: file, maxBytes: 1 << 20, keep: 1, onLine: (e) => seen.push(e.text) });
  await Promise.all([log.attach(child.stdout!, 'out'), log.attach(child.stderr!, 'err')]);
  assert.equal(await exited, 0);
  await log.close();
  const expected = ['plain ascii line', 'héllo wörld ✓ 🦘 ünïcödé', 'crlf line', 'bad \uFFFD\uFFFD bytes', 'no newline at end'];
  assert.deepEqual(seen, expected);
  assert.deepEqual(records(file).map((r) => r?.text), expected);
});

test('capture: several streams at once, close waits for EOF, stamps, listener errors, force', async (t) => {
  const dir = tmpdir(t);
  let clock = Date.UTC(2026, 10, 22, 3, 47, 28, 123);
  const log = new ServiceLog('svc', {
    path: path.join(dir, 'svc.log'), maxBytes: 1 << 20, keep: 1, maxLine: 8,
    now: () => new Date(clock++), onLine: () => { throw new Error('broken follower'); },
  });
  const oldProc = new PassThrough();
  const newProc = new PassThrough();
  const a = log.attach(oldProc, 'out');
  const b = log.attach(newProc, 'err');
  newProc.write('new 1\nnew ');
  await tick();
  oldProc.write('old tail');
  await tick();
  let closed = false;
  const closing = log.close().then(() => (closed = true));
  await assert.rejects(log.attach(new PassThrough(), 'out'), /closed/);
  oldProc.end(' without newline, long\n');
  await a;
  newProc.end('2');
  await b;
  await closing;
  assert.ok(closed);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'svc.log'), 'utf8').split('\n'), [
    '2026-11-22T03:47:28.123Z err new 1',
    '2026-11-22T03:47:28.124Z out+ old tail',
    '2026-11-22T03:47:28.124Z out+  without',
    '2026-11-22T03:47:28.124Z out+  newline',
    '2026-11-22T03:47:28.124Z out , long',
    '2026-11-22T03:47:28.125Z err new 2',
    '',
  ]);

  const forced = new ServiceLog('f', { path: path.join(dir, 'f.log'), maxBytes: 1000, keep: 1 });
  const s = new PassThrough();
  const done = forced.attach(s, 'out');
  s.write('kept\n');
  await tick();
  await forced.close(true);
  s.end('after close\n'); // still read (the writer never blocks), discarded
  await done;
  assert.match(fs.readFileSync(path.join(dir, 'f.log'), 'utf8'), /^\S+Z out kept\n$/);
});

// Lines copied as bytes (nobody wants strings) and lines decoded for a listener must give the
// same file, and the same records a LineAssembler + formatLogLine would: invalid UTF-8 becomes
// U+FFFD, long lines split at character boundaries, CRLF stripped, wherever reads are cut.
test('capture: the byte path writes exactly the records of the decoded lines', async (t) => {
  const dir = tmpdir(t);
  const at = new Date(Date.UTC(2026, 10, 22, 3, 47, 28, 123));
  const part = fc.oneof(
    fc.constantFrom('\n', '\r\n', '\r', 'é', '✓', '🦘', 'plain text ', 'x'.repeat(50)).map((s) => Buffer.from(s)),
    fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0x80, 0x80], [0xe2, 0x9c]).map((b) => Buffer.from(b)),
  );
  let k = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(part, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 20 }), fc.integer({ min: 4, max: 40 }), async (parts, cuts, maxLine) => {
      const all = Buffer.concat(parts);
      const chunks = splitAt(all, cuts).filter((c) => c.length > 0);
      const expected = assemble(chunks, maxLine).map((p) => `${formatLogLine(at, 'out', p.text, p.partial)}\n`).join('');
      k++;
      const bytesLog = new ServiceLog('b', { path: path.join(dir, `b${k}.log`), maxBytes: 1 << 20, keep: 1, maxLine, now: () => at });
      const seen: Piece[] = [];
      const textLog = new ServiceLog('t', { path: path.join(dir, `t${k}.log`), maxBytes: 1 << 20, keep: 1, maxLine, now: () => at, onLine: (e) => seen.push({ text: e.text, partial: e.partial }) });
      await Promise.all([bytesLog.attach(Readable.from(chunks), 'out'), textLog.attach(Readable.from(chunks), 'out')]);
      await Promise.all([bytesLog.close(), textLog.close()]);
      const read = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
      assert.equal(read(path.join(dir, `b${k}.log`)), expected);
      assert.equal(read(path.join(dir, `t${k}.log`)), expected);
      assert.deepEqual(seen, assemble(chunks, maxLine));
    }),
    { numRuns: 150 },
  );
});

test('capture: strings only while wanted; onWrite after every batch, also when the disk is full', async (t) => {
  const dir = tmpdir(t);
  let wanted = false;
  let full = false;
  let writes = 0;
  const seen: LogEntry[] = [];
  const log = new ServiceLog('w', {
    path: path.join(dir, 'w.log'), maxBytes: 1 << 20, keep: 1,
    onLine: (e) => seen.push(e),
    wantLines: () => wanted,
    onWrite: () => writes++,
    writeSync: (fd, buf, off, len) => {
      if (full) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return fs.writeSync(fd, buf, off, len);
    },
  });
  const s = new PassThrough();
  const done = log.attach(s, 'err');
  s.write('a\nb\n');
  await tick();
  wanted = true;
  s.write('c\nd');
  await tick();
  assert.deepEqual(seen.map((e) => e.text), ['c']);
  assert.ok(seen.every((e) => e.stream === 'err' && !e.partial && e.iso === e.at.toISOString()));
  wanted = false;
  s.write('\ne\n');
  await tick();
  assert.equal(writes, 3);
  full = true;
  s.write('lost 1\nlost 2\n');
  await tick();
  assert.equal(writes, 4, 'onWrite also after a batch that could not be written');
  assert.ok(log.file.failing);
  assert.equal(log.file.dropped, 2);
  full = false;
  s.end('f\n');
  await done;
  assert.ok(!log.file.failing, 'writing resumed');
  await log.close();
  assert.deepEqual(records(path.join(dir, 'w.log')).map((r) => `${r?.stream} ${r?.text}`), ['err a', 'err b', 'err c', 'err d', 'err e', 'err f']);
  assert.deepEqual(seen.map((e) => e.text), ['c'], 'no strings for lines nobody wanted');
});

test('file: rotation with rotated files left from before, one removed meanwhile, keep lowered', (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'r.log');
  for (let i = 1; i <= 3; i++) fs.writeFileSync(`${file}.${i}`, `old ${i}\n`);
  const log = new LogFile(file, { maxBytes: 10, keep: 5 });
  const body = (i: number): string | null => {
    const f = i ? `${file}.${i}` : file;
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null;
  };
  const files = (): Array<string | null> => [0, 1, 2, 3, 4, 5, 6].map(body);
  for (const l of ['new 1', 'new 2', 'new 3']) log.write(l); // 6 bytes each: every line but the first rotates
  assert.deepEqual(files(), ['new 3\n', 'new 2\n', 'new 1\n', 'old 1\n', 'old 2\n', 'old 3\n', null]);
  fs.rmSync(`${file}.2`); // someone removes a rotated file: a gap, skipped
  log.write('new 4');
  assert.deepEqual(files(), ['new 4\n', 'new 3\n', 'new 2\n', null, 'old 1\n', 'old 2\n', null]);
  log.write('new 5');
  assert.deepEqual(files(), ['new 5\n', 'new 4\n', 'new 3\n', 'new 2\n', null, 'old 1\n', null]);
  assert.equal(log.lastError, null);
  log.setLimits({ maxBytes: 10, keep: 2 });
  log.write('new 6');
  assert.deepEqual(files(), ['new 6\n', 'new 5\n', 'new 4\n', null, null, null, null]);
  log.write('new 7');
  log.close();
  assert.deepEqual(files(), ['new 7\n', 'new 6\n', 'new 5\n', null, null, null, null]);
  assert.equal(log.lastError, null);
});
