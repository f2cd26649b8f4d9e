// The log-throughput workload: the writer script every system runs, the go signal, and the
// checker that reads every captured file back.
//
// Line n (1-based) is exactly 100 bytes: n as 10 digits, a space, 88 times the letter
// chr(97 + n % 26), '\n'. After the last line the writer prints "END", then sleeps (so no
// supervisor restarts it and writes the lines twice).
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';

export const LINE_BYTES = 100;
const FILL = Array.from({ length: 26 }, (_, k) => String.fromCharCode(97 + k).repeat(88));

/**
 * Writes DIR/writer.sh (run by every system as `/bin/sh DIR/writer.sh`) and DIR/go (a FIFO).
 * The writer blocks on opening the FIFO until the benchmark opens it, records its start time
 * (ns since the epoch) in DIR/t0, writes `lines` lines with mawk (block-buffered, so writes
 * cut lines at arbitrary points, as real programs do), prints END and sleeps.
 */
export async function writeWriter(dir, lines, run) {
  const go = `${dir}/go`;
  await run('mkfifo', [go]);
  const awk = `BEGIN{for(k=0;k<26;k++){s="";c=sprintf("%c",97+k);for(j=0;j<88;j++)s=s c;f[k]=s} for(i=1;i<=n;i++) printf "%010d %s\\n", i, f[i%26]; print "END"}`;
  writeFileSync(
    `${dir}/writer.sh`,
    `#!/bin/sh
# kelpie bench log writer: ${lines} numbered 100-byte lines, then END, then idle.
exec 2>&1
read _ < '${go}'
date +%s%N > '${dir}/t0'
awk -v n=${lines} '${awk}'
exec sleep 1000000
`,
    { mode: 0o755 },
  );
  return { script: `${dir}/writer.sh`, go, t0File: `${dir}/t0` };
}

/**
 * Opens the go FIFO for writing once the writer waits on it: an fd, or null while the writer
 * is not there yet (ENXIO). Writing a line to the fd and closing it releases the writer.
 */
export function openGo(go) {
  try {
    return openSync(go, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (e.code === 'ENXIO') return null;
    throw e;
  }
}

/**
 * True once the file at `path` ends with an END line (only its last bytes are read). A file
 * renamed or removed under us (rotation) is simply not it.
 */
export function endsWithEnd(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 4) return false;
    const n = Math.min(size, 256);
    const b = Buffer.alloc(n);
    readSync(fd, b, 0, n, size - n);
    const t = b.toString('latin1');
    // a payload line ends in a lowercase letter, so "END\n" at the end is the END line
    return t.endsWith('END\n');
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads every file back. `prefix` is the system's per-line prefix (timestamp, stream) as a
 * RegExp anchored at ^, or null. Returns lines complete, lost, corrupted (any line that is
 * not exactly prefix + a valid payload, e.g. a line cut at rotation or with a timestamp
 * spliced into it), duplicated, and whether END was seen.
 */
export function checkFiles(files, prefix, lines) {
  const seen = new Uint8Array(lines + 1);
  let complete = 0;
  let corrupted = 0;
  let duplicated = 0;
  let end = false;
  let bytes = 0;
  const sample = [];
  const onLine = (line) => {
    let payload = line;
    if (prefix) {
      const m = prefix.exec(line);
      if (!m) {
        corrupted++;
        if (sample.length < 3) sample.push(line.slice(0, 140));
        return;
      }
      payload = line.slice(m[0].length);
    }
    if (payload === 'END') {
      end = true;
      return;
    }
    const n = payload.length === 99 && payload[10] === ' ' ? Number(payload.slice(0, 10)) : NaN;
    if (Number.isInteger(n) && n >= 1 && n <= lines && /^\d{10}$/.test(payload.slice(0, 10)) && payload.slice(11) === FILL[n % 26]) {
      if (seen[n]) duplicated++;
      else {
        seen[n] = 1;
        complete++;
      }
    } else {
      corrupted++;
      if (sample.length < 3) sample.push(line.slice(0, 140));
    }
  };
  for (const f of files) {
    if (!existsSync(f)) continue;
    const fd = openSync(f, 'r');
    const chunk = Buffer.alloc(4 << 20);
    let carry = '';
    try {
      for (;;) {
        const got = readSync(fd, chunk, 0, chunk.length, null);
        if (got === 0) break;
        bytes += got;
        const text = carry + chunk.toString('latin1', 0, got);
        const parts = text.split('\n');
        carry = parts.pop();
        for (const p of parts) onLine(p);
      }
    } finally {
      closeSync(fd);
    }
    if (carry !== '') onLine(carry); // a file that does not end in '\n': its last line is cut
  }
  return { complete, lost: lines - complete, corrupted, duplicated, end, files: files.length, bytesOnDisk: bytes, sample };
}
