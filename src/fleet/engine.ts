import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectFleet } from './connection.js';
import { EVENTS_KEY, FLEET_PREFIX, fleetJobId, hostQueue, providerQueue } from './names.js';
import { fleetEventSchema, type FleetEvent } from './data.js';

/**
 * The engine as the fleet commands use it: one checked Redis connection and the BullMQ queues over it, opened
 * when first asked for and closed together.
 */
/**
 * The engine's lock on a job (an item or a wave's driver) lasts this long unless renewed (every half of it): a
 * dead host's jobs are freed within it plus a stalled check (~20 s). Nothing slow runs in a worker's own event
 * loop: its worktrees and local starts (sync git and SQLite, seconds on a loaded host) run in its launcher
 * (launcher.ts), so a renewal is held up only by CPU starvation, and has half the lock (7.5 s) of slack for it.
 * A 10 s lock once ran out on a loaded CI host while the worker itself still made worktrees.
 */
export const LOCK_MS = 15_000;
/** How often a host looks for jobs whose host died (their lock expired) and puts them back to wait. */
export const STALLED_CHECK_MS = 5_000;

export class Engine {
  private readonly queues = new Map<string, Queue>();

  private constructor(
    readonly redis: Redis,
    readonly url: string,
  ) {}

  static async open(url: string): Promise<Engine> {
    return new Engine(await connectFleet(url, true), url);
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis, prefix: FLEET_PREFIX });
      q.on('error', () => undefined); // a lost connection surfaces in the command that needed it
      this.queues.set(name, q);
    }
    return q;
  }

  providerQueue = (provider: string) => this.queue(providerQueue(provider));
  hostQueue = (hostId: string) => this.queue(hostQueue(hostId));

  /** The engine's job of a bead, looked up in the queues it may be in (its provider's, a host's). */
  async findJob(beads: string, queueNames: string[]): Promise<Job | null> {
    for (const name of queueNames) {
      const job = await this.queue(name).getJob(fleetJobId(beads));
      if (job) return job;
    }
    return null;
  }

  /** Appends one event to the fleet's log (kept to its last 10 000). */
  async logEvent(e: FleetEvent): Promise<void> {
    await this.redis.multi().rpush(EVENTS_KEY, JSON.stringify(e)).ltrim(EVENTS_KEY, -10_000, -1).exec();
  }

  async events(): Promise<FleetEvent[]> {
    return (await this.redis.lrange(EVENTS_KEY, 0, -1)).map((l) => fleetEventSchema.parse(JSON.parse(l)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.redis.disconnect();
  }
}

/** Opens the engine for one command and closes it when the command is done. */
export async function withEngine<T>(url: string, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await Engine.open(url);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}
