// The per-service privilege keys of `[services.NAME]`: who the process runs as and with
// what limits. Names are resolved to ids at spawn time (src/controller/privileges.ts).
import type { Fields } from './fields.js';

const LIMIT = { k: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER } as const;
const LIMIT_DOC = (what: string): string => `RLIMIT_${what}: soft and hard limit (a whole number).`;

export const privilegeFields: Fields = {
  user: { kind: { k: 'string' }, doc: 'Run as this user (name or numeric uid), with that user\'s groups unless group is set. Needs kelpie to run as root, unless it is kelpie\'s own user.' },
  group: { kind: { k: 'string' }, doc: 'Run with this primary group (name or numeric gid) and no supplementary groups.' },
  umask: { kind: { k: 'string' }, doc: 'File mode creation mask, octal, like "022" or "0077".' },
  nice: { kind: { k: 'integer', min: -20, max: 19 }, doc: 'Scheduling niceness, from -20 (favoured) to 19 (least favoured); below 0 needs root.' },
  clear_env: {
    kind: { k: 'boolean' },
    default: false,
    prop: 'clearEnv',
    doc: 'Start from an empty environment (plus env_file, env and KELPIE_SERVICE) instead of kelpie\'s own.',
  },
  rlimits: {
    kind: {
      k: 'table',
      fields: {
        nofile: { kind: LIMIT, doc: LIMIT_DOC('NOFILE (open files)') },
        nproc: { kind: LIMIT, doc: LIMIT_DOC('NPROC (processes of the user)') },
        core: { kind: LIMIT, doc: LIMIT_DOC('CORE (core file size, bytes)') },
        memlock: { kind: LIMIT, doc: LIMIT_DOC('MEMLOCK (locked memory, bytes)') },
        as: { kind: LIMIT, doc: LIMIT_DOC('AS (address space, bytes)') },
        fsize: { kind: LIMIT, doc: LIMIT_DOC('FSIZE (file size, bytes)') },
        stack: { kind: LIMIT, doc: LIMIT_DOC('STACK (stack size, bytes)') },
        cpu: { kind: LIMIT, doc: LIMIT_DOC('CPU (seconds)') },
      },
    },
    doc: 'Resource limits set before the command runs.',
  },
};
