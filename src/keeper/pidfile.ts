// One keeper per home: keeper.pid holds "PID STARTTIME"; a live holder means we refuse to start.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { readStat } from '../os/proc.js';

/** The pid of a live keeper holding `path`, or null. */
export function liveHolder(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const [pidText, startText] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const st = readStat(pid);
  return st && st.state !== 'Z' && String(st.startTime) === startText ? pid : null;
}

/** Claims the pid file; returns the pid of the live holder instead when there is one. */
export function claimPidFile(path: string): number | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid} ${readStat(process.pid)?.startTime ?? 0}\n`);
      closeSync(fd);
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = liveHolder(path);
      if (holder !== null) return holder;
      rmSync(path, { force: true });
    }
  }
  return liveHolder(path) ?? -1;
}

/** Removes the pid file if it is still ours. */
export function releasePidFile(path: string): void {
  if (liveHolder(path) === process.pid) rmSync(path, { force: true });
}
