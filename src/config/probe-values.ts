// The values inside `ready`, `liveness` and `startup` tables: true, a regex, a tcp address, an
// http(s) URL, an http status range, a socket path, an argv array.
import { isIP } from 'node:net';
import { render, type TNode } from './toml.js';
import { BAD, checkInt, type Bad, type Out } from './values.js';
import type { Issues } from './issues.js';
import type { ProbeValue } from './probe-fields.js';

/** Where an http probe's status must fall; default 200-399. */
export interface StatusRange {
  readonly min: number;
  readonly max: number;
}

/** The host of `tcp = PORT`. */
export const DEFAULT_TCP_HOST = '127.0.0.1';

/** What each value accepts, in words, for "expected …". */
export function describeProbeValue(v: ProbeValue): string {
  switch (v) {
    case 'true': return 'true';
    case 'regex': return 'a regular expression (a non-empty string)';
    case 'tcp': return 'a port from 1 to 65535, or "host:port"';
    case 'url': return 'an http:// or https:// URL';
    case 'status': return 'an HTTP status like 204, or a range like "200-399"';
    case 'path': return 'a non-empty path';
    case 'argv': return 'a non-empty array of strings (the command, no shell)';
  }
}

/** Checks one value, reporting problems through `bad` (or `issues` at `path` when more needs saying). */
export function checkProbeValue(node: TNode, v: ProbeValue, path: string, issues: Issues, bad: Bad): Out {
  switch (v) {
    case 'true':
      if (node.kind === 'boolean' && node.value) return true;
      return bad(node.kind === 'boolean' ? { hint: 'to declare no readiness mechanism, leave the table out' } : {});
    case 'regex':
      return checkRegex(node, path, issues, bad);
    case 'tcp':
      return checkTcp(node, bad);
    case 'url': {
      if (node.kind !== 'string') return bad();
      let url: URL;
      try {
        url = new URL(node.value);
      } catch {
        return bad({ hint: 'write a full URL, like "http://127.0.0.1:8080/health"' });
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return bad({ hint: `${url.protocol.slice(0, -1)} is not http or https` });
      if (url.hostname === '') return bad();
      return url.href;
    }
    case 'status':
      return checkStatus(node, bad);
    case 'path':
      return node.kind === 'string' && node.value !== '' && !node.value.includes('\0') ? { value: node.value, loc: node.loc } : bad();
    case 'argv': {
      if (node.kind === 'string') return bad({ hint: `write an array: ["/bin/sh", "-c", ${JSON.stringify(node.value)}]` });
      if (node.kind !== 'array' || node.items.length === 0) return bad();
      const argv: string[] = [];
      for (const item of node.items) {
        if (item.kind !== 'string' || item.value.includes('\0')) return bad({ expected: 'every element to be a string', at: item });
        argv.push(item.value);
      }
      return argv[0] === '' ? bad({ expected: 'a program name as the first element', at: node.items[0] }) : argv;
    }
  }
}

/** A pattern that compiles as a JavaScript RegExp (no flags), as the keeper will compile it. */
function checkRegex(node: TNode, path: string, issues: Issues, bad: Bad): Out {
  if (node.kind !== 'string' || node.value === '') return bad();
  try {
    new RegExp(node.value);
    return node.value;
  } catch (e) {
    const text = (e as Error).message;
    const prefix = `Invalid regular expression: /${node.value}/: `;
    const why = text.startsWith(prefix) ? text.slice(prefix.length) : text;
    issues.add(node.loc, path, {
      message: `invalid regular expression: ${why.charAt(0).toLowerCase()}${why.slice(1)}, got ${render(node)}`,
      received: render(node),
      expected: 'a JavaScript regular expression',
      hint: "put a backslash before ( ) [ ] { } * + ? to match them literally; a 'single-quoted' TOML string keeps backslashes as they are",
    });
    return BAD;
  }
}

const HOST_PORT = /^(?:\[([^\]]*)\]|([^[\]]*)):([0-9]{1,5})$/;
const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** tcp = 6380 (127.0.0.1) or tcp = "host:port". */
function checkTcp(node: TNode, bad: Bad): Out {
  const expected = 'a port from 1 to 65535, or "host:port"';
  if (node.kind === 'integer') {
    const port = checkInt(node, 1, 65535, () => bad({ expected: 'a port from 1 to 65535' }));
    return port === BAD ? BAD : { host: DEFAULT_TCP_HOST, port };
  }
  if (node.kind !== 'string') return bad();
  const text = node.value;
  if (/^[0-9]+$/.test(text)) return bad({ expected, hint: `drop the quotes: ${text}` });
  const m = HOST_PORT.exec(text);
  if (!m) return bad({ expected, hint: 'write "127.0.0.1:6380", "localhost:6380" or "[::1]:6380"' });
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return bad({ expected: 'a port from 1 to 65535 after the ":"' });
  if (m[1] !== undefined) return isIP(m[1]) === 6 ? { host: m[1], port } : bad({ expected: 'an IPv6 address inside [ ]' });
  const host = m[2]!;
  if (host.includes(':')) return bad({ expected, hint: `write an IPv6 address in brackets: "[${host}]:${port}"` });
  if (isIP(host) === 4 || HOSTNAME.test(host)) return { host, port };
  return bad({ expected: 'a host name or IP address before the ":"' });
}

/** status = 204 or "204" or "200-399", within 100..599. */
function checkStatus(node: TNode, bad: Bad): Out {
  const code = (n: number): boolean => Number.isInteger(n) && n >= 100 && n <= 599;
  if (node.kind === 'integer') return code(node.value) ? { min: node.value, max: node.value } : bad({ expected: 'an HTTP status from 100 to 599' });
  if (node.kind !== 'string') return bad();
  const m = /^([0-9]{3})(?:-([0-9]{3}))?$/.exec(node.value);
  if (!m) return bad();
  const min = Number(m[1]);
  const max = Number(m[2] ?? m[1]);
  if (!code(min) || !code(max)) return bad({ expected: 'HTTP statuses from 100 to 599' });
  if (min > max) return bad({ expected: 'a range from the lower status to the higher, like "200-399"' });
  return { min, max } satisfies StatusRange;
}
