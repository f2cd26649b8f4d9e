// Users and groups from /etc/passwd and /etc/group (no NSS: what the files say).
import { readFileSync } from 'node:fs';

/** One account. */
export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function rows(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** A user by name or numeric uid; null if unknown. */
export function lookupUser(nameOrId: string): Account | null {
  for (const r of rows('/etc/passwd')) {
    if (r[0] === nameOrId || r[2] === nameOrId) return { name: r[0]!, uid: Number(r[2]), gid: Number(r[3]) };
  }
  return /^\d+$/.test(nameOrId) ? { name: nameOrId, uid: Number(nameOrId), gid: Number(nameOrId) } : null;
}

/** A group id by name or numeric gid; null if unknown. */
export function lookupGroup(nameOrId: string): number | null {
  for (const r of rows('/etc/group')) if (r[0] === nameOrId || r[2] === nameOrId) return Number(r[2]);
  return /^\d+$/.test(nameOrId) ? Number(nameOrId) : null;
}
