import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import { connectionRefusal, fleetUrl, redactUrl } from '../../../src/fleet/connection.js';

describe('redactUrl: the password never shows', () => {
  it.each([
    ['a password', 'redis://:s3cret@10.0.0.5:6379', 'redis://:***@10.0.0.5:6379'],
    ['a user and password', 'rediss://ops:s3cret@redis.internal:6380/2', 'rediss://ops:***@redis.internal:6380/2'],
    ['none', 'redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['not a URL, with a secret', 'redis//x:s3cret@', 'redis//***@'],
    ['no host', 'redis:/:s3cret@h', 'redis:/***@h'],
    ['a malformed URL with credentials', 'redis://a:b@[bad', 'redis://***@[bad'],
  ])('%s', (_name, url, shown) => expect(redactUrl(url)).toBe(shown));
});

describe('fleetUrl: the flag, else DX_RUNNER_FLEET_URL', () => {
  const env = { DX_RUNNER_FLEET_URL: 'redis://env:6379' };
  it.each([
    ['the flag wins', 'redis://flag:6379', env, 'redis://flag:6379'],
    ['the environment', undefined, env, 'redis://env:6379'],
    ['TLS', 'rediss://h:6380', {}, 'rediss://h:6380'],
  ])('%s', (_name, flag, e, want) => expect(fleetUrl(flag, e)).toBe(want));
  it.each([
    ['neither', undefined, {}, /no fleet named/],
    ['another scheme', 'http://h:6379', {}, /is not a Redis URL/],
    ['not a URL', 'localhost:6379', {}, /is not a Redis URL/],
    ['the password is masked in the refusal', 'redis:/:s3cret@h', {}, /^(?!.*s3cret)/],
  ])('refuses %s', (_name, flag, e, message) => {
    try {
      fleetUrl(flag, e);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DxError);
      expect((err as DxError).reasonCode).toBe('fleet_url_invalid');
      expect((err as DxError).message).toMatch(message);
    }
  });
});

describe('connectionRefusal: what a failed connection means', () => {
  const url = 'redis://:s3cret@10.0.0.5:6379';
  it.each([
    [
      'a wrong password',
      { message: 'WRONGPASS invalid username-password pair or user is disabled.' },
      'fleet_auth_failed',
    ],
    ['no password given', { message: 'NOAUTH Authentication required.' }, 'fleet_auth_failed'],
    ['nobody listens', { message: 'connect ECONNREFUSED 10.0.0.5:6379', code: 'ECONNREFUSED' }, 'fleet_unreachable'],
    ['a timeout', { message: 'connect ETIMEDOUT', code: 'ETIMEDOUT' }, 'fleet_unreachable'],
    ['an error quoting the URL', { message: `cannot connect to ${url}` }, 'fleet_unreachable'],
  ])('%s', (_name, err, reason) => {
    const e = connectionRefusal(url, err);
    expect(e.reasonCode).toBe(reason);
    expect(e.message).not.toContain('s3cret');
    expect(e.message).toContain('redis://:***@10.0.0.5:6379');
    expect(e.message).not.toContain('\n');
  });
});
