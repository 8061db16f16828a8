import { describe, expect, it } from 'vitest';
import { doctorFindings, doctorOutput, type DoctorFacts } from '../../../src/fleet/doctor.js';

const facts = (over: Partial<DoctorFacts>): DoctorFacts => ({
  url: 'redis://:pw@127.0.0.1:6379',
  version: '7.0.15',
  maxmemoryPolicy: 'noeviction',
  aofEnabled: true,
  passwordInUrl: true,
  tls: false,
  ...over,
});

describe('doctorFindings: is this Redis fit for the fleet', () => {
  it('all good: every finding ok, no next action', () => {
    expect(doctorFindings(facts({})).map((f) => [f.check, f.status, f.next_action])).toEqual([
      ['url', 'ok', null],
      ['version', 'ok', null],
      ['maxmemory_policy', 'ok', null],
      ['persistence', 'ok', null],
      ['auth', 'ok', null],
    ]);
  });
  it.each([
    ['Redis 6', { version: '6.2.14' }, 'version', 'fail'],
    ['an unknown version', { version: null }, 'version', 'fail'],
    ['an evicting policy', { maxmemoryPolicy: 'allkeys-lru' }, 'maxmemory_policy', 'fail'],
    ['CONFIG not allowed', { maxmemoryPolicy: null }, 'maxmemory_policy', 'warn'],
    ['no AOF', { aofEnabled: false }, 'persistence', 'warn'],
    ['no password on loopback', { passwordInUrl: false, url: 'redis://127.0.0.1:6379' }, 'auth', 'warn'],
    ['no password on the network', { passwordInUrl: false, url: 'redis://10.0.0.5:6379' }, 'auth', 'fail'],
    ['cleartext on the network', { url: 'redis://:pw@10.0.0.5:6379' }, 'url', 'warn'],
    ['TLS on the network', { url: 'rediss://:pw@10.0.0.5:6379', tls: true }, 'url', 'ok'],
  ])('%s', (_name, over, check, status) => {
    const f = doctorFindings(facts(over)).find((x) => x.check === check);
    expect(f?.status).toBe(status);
    expect(f?.next_action === null).toBe(status === 'ok');
  });
  it('the output masks the password and is not ok on a failure', () => {
    const out = doctorOutput(facts({ version: '6.0.0' }));
    expect(out.url).toBe('redis://:***@127.0.0.1:6379');
    expect(out.ok).toBe(false);
    expect(JSON.stringify(out)).not.toContain(':pw@');
  });
});
