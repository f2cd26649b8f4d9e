// Capability URLs: kelpie://<fingerprint>@host:port/<capability>. Like an OCapN sturdyref, the
// URL names the node by its key (not by a CA), says where to reach it, and carries the
// capability itself: whoever holds the URL holds the capability. Messages never quote it.
import { FINGERPRINT_RE } from './fingerprint.js';

/** A parsed capability URL. */
export interface CapUrl {
  readonly fingerprint: string;
  /** Host name or address; an IPv6 address without its brackets. */
  readonly host: string;
  readonly port: number;
  /** The capability, in its text form (kelpie-cap-v1.…). */
  readonly token: string;
}

export type ParsedUrl = { readonly ok: true; readonly url: CapUrl } | { readonly ok: false; readonly reason: string };

const TOKEN_RE = /^kelpie-cap-v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const HOST_RE = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?))$/;

/** Parses a capability URL; the reason never contains the capability. */
export function parseCapUrl(text: string): ParsedUrl {
  const s = text.trim();
  const no = (reason: string): ParsedUrl => ({ ok: false, reason });
  if (!s.startsWith('kelpie://')) return no('a capability URL starts with kelpie://');
  const rest = s.slice('kelpie://'.length);
  const at = rest.indexOf('@');
  if (at < 0) return no('the node fingerprint is missing (kelpie://FINGERPRINT@host:port/CAPABILITY)');
  const fingerprint = rest.slice(0, at);
  if (!FINGERPRINT_RE.test(fingerprint)) return no('the fingerprint is not 52 base32 characters (a-z, 2-7)');
  const slash = rest.indexOf('/', at);
  if (slash < 0) return no('the capability is missing after host:port/');
  const hostPort = rest.slice(at + 1, slash);
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0) return no(`the port is missing in ${JSON.stringify(hostPort.slice(0, 300))}`);
  const hostText = hostPort.slice(0, colon);
  const portText = hostPort.slice(colon + 1);
  const h = HOST_RE.exec(hostText);
  if (!h) return no(`invalid host ${JSON.stringify(hostText.slice(0, 300))}`);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) return no(`invalid port ${JSON.stringify(portText.slice(0, 20))} (1 to 65535)`);
  const token = rest.slice(slash + 1);
  if (!TOKEN_RE.test(token)) return no('the part after host:port/ is not a kelpie capability (kelpie-cap-v1.…)');
  return { ok: true, url: { fingerprint, host: h[1] ?? h[2]!, port, token } };
}

/** The URL text of a capability held at a node. */
export function formatCapUrl(u: CapUrl): string {
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  return `kelpie://${u.fingerprint}@${host}:${u.port}/${u.token}`;
}

/** Where a URL points, without its capability: safe to show and log. */
export function describeCapUrl(u: CapUrl): string {
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  return `kelpie://${u.fingerprint.slice(0, 12)}…@${host}:${u.port}`;
}

/** Parses "host:port" (for [api] listen); port 0 asks for any free port. */
export function parseListen(text: string): { ok: true; host: string; port: number } | { ok: false; reason: string } {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { ok: false, reason: 'expected "host:port", like "0.0.0.0:7443" or "[::1]:7443"' };
  const h = HOST_RE.exec(text.slice(0, colon));
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (!h) return { ok: false, reason: 'the host is not a host name or address' };
  if (!/^\d{1,5}$/.test(portText) || port > 65535) return { ok: false, reason: 'the port is not a number from 0 to 65535' };
  return { ok: true, host: h[1] ?? h[2]!, port };
}
