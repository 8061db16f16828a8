import { DxError } from '../core/errors.js';
import { providerNames } from '../providers/index.js';
import type { FleetCapsOutput, FleetStatusOutput } from '../report/fleetSchemas.js';
import { redactUrl } from './connection.js';
import { hostRows, type Heartbeat } from './decide.js';
import type { Engine } from './engine.js';
import { heartbeatKey, hostQueue, HOSTS_KEY, NO_RATE, providerQueue, type RateCap } from './names.js';

/** The hosts that ever joined the fleet, by id. */
export const knownHosts = async (engine: Engine): Promise<string[]> => (await engine.redis.smembers(HOSTS_KEY)).sort();

/** `fleet status`: the hosts (alive by their heartbeat), each queue's counts and pause, and the caps. */
export async function fleetStatus(engine: Engine): Promise<FleetStatusOutput> {
  const known = await knownHosts(engine);
  const beats = new Map<string, Heartbeat>();
  for (const host of known) {
    const raw = await engine.redis.get(heartbeatKey(host));
    if (raw) beats.set(host, JSON.parse(raw) as Heartbeat);
  }
  const hosts = hostRows(known, beats).map(({ host, alive, slots, providers, running }) => ({
    host,
    alive,
    slots,
    providers,
    running,
  }));
  const queues = [];
  for (const name of [...providerNames().map(providerQueue), ...known.map(hostQueue)]) {
    const q = engine.queue(name);
    const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    queues.push({
      queue: name,
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      paused: await q.isPaused(),
      rate_limited_ms: Math.max(0, await q.getRateLimitTtl()),
    });
  }
  return { url: redactUrl(engine.url), hosts, queues, caps: (await fleetCaps(engine)).caps };
}

/** `fleet caps`: each provider's global concurrency and rate limit, as the engine holds them. */
export async function fleetCaps(engine: Engine): Promise<FleetCapsOutput> {
  const caps = [];
  for (const provider of providerNames()) {
    const q = engine.providerQueue(provider);
    const rate = await q.getGlobalRateLimit();
    caps.push({
      provider,
      concurrency: await q.getGlobalConcurrency(),
      rate: rate && rate.max < NO_RATE.max ? { max: rate.max, duration_ms: rate.duration } : null,
    });
  }
  return { caps };
}

/** Gives a provider queue without a rate limit the one that is never reached (see NO_RATE). */
export async function ensureRate(engine: Engine, provider: string): Promise<void> {
  const q = engine.providerQueue(provider);
  if (!(await q.getGlobalRateLimit())) await q.setGlobalRateLimit(NO_RATE.max, NO_RATE.durationMs);
}

/** A provider the fleet has a queue for, else `provider_not_found` naming them. */
export function checkProvider(provider: string): string {
  if (!providerNames().includes(provider))
    throw new DxError(
      'provider_not_found',
      `unknown provider '${provider}'; use one of: ${providerNames().join(', ')}`,
    );
  return provider;
}

/** `fleet caps set`: the provider's global concurrency and, when given, its rate (else none), for every host. */
export async function setCaps(engine: Engine, provider: string, concurrency: number, rate: RateCap | null) {
  const q = engine.providerQueue(provider);
  await q.setGlobalConcurrency(concurrency);
  const r = rate ?? NO_RATE;
  await q.setGlobalRateLimit(r.max, r.durationMs);
}
