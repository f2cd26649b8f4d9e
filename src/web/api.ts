// The dashboard's side of the API: same routes as the socket, the session cookie standing
// for the capability. Errors keep the daemon's code and message.
import type { Envelope } from '../protocol/api.js';

/** A refusal or failure from the API, with its error code and HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  let env: Envelope<T>;
  try {
    env = (await r.json()) as Envelope<T>;
  } catch {
    throw new ApiError('KELPIE_E_INTERNAL', `HTTP ${r.status} from ${path}`, r.status);
  }
  if (!env.ok) throw new ApiError(env.error.code, env.error.message, r.status);
  return env.result;
}

/** GET a /v1 route; resolves with the envelope's result. */
export const get = <T>(path: string): Promise<T> => call<T>('GET', path);
/** POST JSON to a /v1 route; resolves with the envelope's result. */
export const post = <T>(path: string, body: unknown): Promise<T> => call<T>('POST', path, body);
