import { Redis } from 'ioredis';
import { DxError } from '../core/errors.js';
import { echo } from '../core/input.js';

/**
 * The fleet's Redis: its URL (`--fleet` or DX_RUNNER_FLEET_URL; redis:// or rediss://), shown only with the
 * password masked, and the connection every fleet command opens, refused on one line when Redis cannot be
 * reached or refuses the password.
 */

export const FLEET_URL_ENV = 'DX_RUNNER_FLEET_URL';

/** Pure: the URL with its password (and a user's secret) masked: what every message and log line shows. */
export function redactUrl(url: string): string {
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {
    // not a URL: masked below
  }
  if (u?.hostname) {
    if (u.password) u.password = '***';
    return u.toString();
  }
  // not a URL with a host: mask whatever comes before an `@`
  return url.replace(/[^/@]*@/, '***@');
}

/** Pure: the fleet URL from the flag, else the environment; refused when neither names a redis:// URL. */
export function fleetUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = flag ?? env[FLEET_URL_ENV];
  if (!url)
    throw new DxError('fleet_url_invalid', `no fleet named; pass --fleet redis://host:6379 or set ${FLEET_URL_ENV}`);
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {
    // refused below
  }
  if (!u || (u.protocol !== 'redis:' && u.protocol !== 'rediss:') || !u.hostname)
    throw new DxError(
      'fleet_url_invalid',
      `fleet URL '${echo(redactUrl(url))}' is not a Redis URL; ` +
        'give redis://[:password@]host:port[/db] (rediss:// for TLS)',
    );
  return url;
}

/** Pure: what a failed connection means, from the error ioredis gave; the message never carries the password. */
export function connectionRefusal(url: string, err: { message?: string; code?: string }): DxError {
  const shown = redactUrl(url);
  const msg = err.message ?? '';
  if (/WRONGPASS|NOAUTH|invalid password|AUTH.*without any password/i.test(msg))
    return new DxError(
      'fleet_auth_failed',
      `the fleet's Redis at ${shown} refused the password (${/NOAUTH/.test(msg) ? 'none given' : 'wrong one'}); ` +
        'put the right one in the URL: redis://:<password>@host:port',
    );
  const why = (err.code ?? msg.split('\n')[0]).replaceAll(url, shown) || 'no answer';
  return new DxError(
    'fleet_unreachable',
    `cannot reach the fleet's Redis at ${shown} (${why}); start it (redis-server) or check --fleet`,
  );
}

/** How long a fleet command waits for Redis to answer before it says it is unreachable. */
const CONNECT_TIMEOUT_MS = 3000;

/**
 * A connection to the fleet's Redis that has answered PING. `engine`: for BullMQ (no retry limit per request,
 * as its workers need); otherwise a command fails at once when Redis is gone.
 */
export async function connectFleet(url: string, engine = false): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: engine ? null : 1,
    // the first connection is not retried: an unreachable fleet is said at once
    retryStrategy: () => null,
  });
  // errors reach the caller through connect/ping (the socket's own, ECONNREFUSED…, comes as an event);
  // an unhandled 'error' event would crash the process
  let socketError: Error | null = null;
  redis.on('error', (e: Error) => {
    socketError ??= e;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw connectionRefusal(url, socketError ?? (e as Error));
  }
  // once connected, the engine's connection outlives a Redis restart: it reconnects, backing off to 2 s
  if (engine) redis.options.retryStrategy = (times) => Math.min(times * 200, 2000);
  return redis;
}
