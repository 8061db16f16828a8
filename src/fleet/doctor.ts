import type { Redis } from 'ioredis';
import type { FleetDoctorOutput } from '../report/fleetSchemas.js';
import { redactUrl } from './connection.js';

/** `fleet doctor`: is this Redis fit to hold the fleet? Facts read from it, findings decided purely. */

export interface DoctorFacts {
  url: string;
  /** redis_version from INFO */
  version: string | null;
  /** null: CONFIG GET is not allowed (a managed Redis) */
  maxmemoryPolicy: string | null;
  aofEnabled: boolean | null;
  /** the URL carries a password (so Redis asked for one, or was given one) */
  passwordInUrl: boolean;
  tls: boolean;
}

type Finding = FleetDoctorOutput['findings'][number];
const ok = (check: Finding['check'], detail: string): Finding => ({ check, status: 'ok', detail, next_action: null });

/** Pure: one finding per check, each that is not ok with the next action that fixes it. */
export function doctorFindings(f: DoctorFacts): Finding[] {
  const host = new URL(f.url).hostname;
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
  const major = f.version ? Number(f.version.split('.')[0]) : null;
  return [
    f.tls || loopback
      ? ok('url', `${redactUrl(f.url)} answers${f.tls ? ' over TLS' : ' on loopback'}`)
      : {
          check: 'url',
          status: 'warn',
          detail: `${redactUrl(f.url)} answers in the clear, and prompts travel through it`,
          next_action: 'use rediss:// (TLS) between hosts, or a private network',
        },
    major !== null && major >= 7
      ? ok('version', `Redis ${f.version}`)
      : {
          check: 'version',
          status: 'fail',
          detail: `Redis ${f.version ?? 'of unknown version'}; the engine needs 7 or newer`,
          next_action: 'upgrade Redis to 7 or newer (Debian: apt-get install redis-server)',
        },
    f.maxmemoryPolicy === 'noeviction'
      ? ok('maxmemory_policy', 'maxmemory-policy noeviction')
      : {
          check: 'maxmemory_policy',
          status: f.maxmemoryPolicy === null ? 'warn' : 'fail',
          detail:
            f.maxmemoryPolicy === null
              ? 'maxmemory-policy cannot be read (CONFIG is not allowed)'
              : `maxmemory-policy ${f.maxmemoryPolicy}: Redis may evict the fleet's jobs under memory pressure`,
          next_action: 'set maxmemory-policy noeviction (redis-cli config set maxmemory-policy noeviction)',
        },
    f.aofEnabled
      ? ok('persistence', 'append-only file on')
      : {
          check: 'persistence',
          status: 'warn',
          detail:
            `append-only file ${f.aofEnabled === null ? 'unknown' : 'off'}: ` +
            'a Redis restart may lose the newest jobs',
          next_action: 'turn on AOF (redis-cli config set appendonly yes, and appendonly yes in redis.conf)',
        },
    f.passwordInUrl
      ? ok('auth', 'password set (never shown)')
      : {
          check: 'auth',
          status: loopback ? 'warn' : 'fail',
          detail: 'Redis takes commands without a password',
          next_action: 'set requirepass in redis.conf and put it in the URL: redis://:<password>@host:port',
        },
  ];
}

/** Reads the facts from a connected Redis. */
export async function doctorFacts(url: string, redis: Redis): Promise<DoctorFacts> {
  const info = await redis.info();
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? null;
  let policy: string | null = null;
  try {
    const got = (await redis.config('GET', 'maxmemory-policy')) as string[];
    policy = got[1] ?? null;
  } catch {
    policy = null;
  }
  const aof = field('aof_enabled');
  const u = new URL(url);
  return {
    url,
    version: field('redis_version'),
    maxmemoryPolicy: policy,
    aofEnabled: aof === null ? null : aof === '1',
    passwordInUrl: u.password !== '',
    tls: u.protocol === 'rediss:',
  };
}

export const doctorOutput = (facts: DoctorFacts): FleetDoctorOutput => {
  const findings = doctorFindings(facts);
  return { url: redactUrl(facts.url), ok: findings.every((f) => f.status !== 'fail'), findings };
};
