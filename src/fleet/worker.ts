import os from 'node:os';
import path from 'node:path';
import { DelayedError, Worker, type Job } from 'bullmq';
import { DxError } from '../core/errors.js';
import { processStartTime } from '../jobs/process.js';
import { which } from '../providers/binary.js';
import { getProvider } from '../providers/index.js';
import { binaryMissing } from '../providers/verdict.js';
import { Store } from '../store/index.js';
import { Engine, LOCK_MS, STALLED_CHECK_MS } from './engine.js';
import { fleetJobDataSchema, type FleetEvent, type FleetProgress } from './data.js';
import { fallbackJobData, fallbackOf, hostTakes, settle, type Heartbeat } from './decide.js';
import { enqueue } from './client.js';
import { endLocal, endOrphans, localEnd, recordedLocal, refusedResult, stoppedBeforeStart } from './local.js';
import { Launcher } from './launcher.js';
import { RepoCache } from './repoCache.js';
import {
  attemptKey,
  heartbeatKey,
  hostQueue,
  HOSTS_KEY,
  FLEET_PREFIX,
  providerQueue,
  RATE_LIMITS_KEY,
  STOP_CHANNEL,
  STOP_KEY,
} from './names.js';
import { shipLogs } from './logs.js';
import { ensureRate } from './status.js';
import { waveDriverWorker } from './waveDriver.js';

/**
 * `dx-runner worker`: one host of the fleet. A BullMQ worker per provider queue and one for the jobs pinned to
 * this host take jobs while the host runs fewer than its slots; each job is an ordinary local job here
 * (`startJob`: the same supervisor, health, gates, logs) in a worktree of the shared remote, its branch pushed
 * when it succeeds. The worker waits for the local outcome and completes the engine's job with it.
 */

export interface WorkerOptions {
  url: string;
  hostId: string;
  slots: number;
  providers: string[];
  repoCache: string;
  home: string;
  env: NodeJS.ProcessEnv;
}

const HEARTBEAT_MS = 2_000;
const HEARTBEAT_TTL_SEC = 8;
/** How often a provider's 429 pauses its queue before the job ends rate limited. */
export const FLEET_RATE_LIMIT_RETRIES = 3;

interface Running {
  engineId: string;
  provider: string;
  attempt: number;
  localId: number | null;
}

/** A host takes a provider's jobs only with its CLI: refused before it registers anything in the engine. */
function checkBinaries(providers: string[], env: NodeJS.ProcessEnv): void {
  for (const provider of providers) {
    const adapter = getProvider(provider);
    const command = adapter.resolveBinary(undefined, env);
    if (!which(command, env)) throw binaryMissing(adapter, command);
  }
}

export async function runWorker(o: WorkerOptions): Promise<void> {
  checkBinaries(o.providers, o.env);
  const engine = await Engine.open(o.url);
  // the local runs of this worker end when it is gone (their supervisors watch it): a PID with its start time
  const startedAt = processStartTime(process.pid);
  const self = startedAt ? { pid: process.pid, start: startedAt } : undefined;
  const store = new Store(o.home);
  const running = new Map<string, Running>();
  await endOrphans(store, path.join(o.repoCache, 'worktrees'));
  // the worktrees and local starts happen there, off this event loop; it boots while the worker gets ready
  const launcher = new Launcher({ home: o.home, repoCache: o.repoCache, env: o.env });
  for (const provider of o.providers) await ensureRate(engine, provider);

  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${o.hostId} ${line}\n`);
  // Redis restarted or cut off: the connection reconnects by itself (BullMQ resumes on it); said once each way
  let offline = false;
  let stopping = false;
  engine.redis.on('close', () => {
    if (!offline && !stopping) log('engine: connection lost; reconnecting (running jobs go on)');
    offline = true;
  });
  engine.redis.on('ready', () => {
    if (offline) log('engine: reconnected');
    offline = false;
  });
  const event = (kind: FleetEvent['kind'], r: Running, beads: string, detail = '') =>
    engine.logEvent({ kind, host: o.hostId, beads, provider: r.provider, attempt: r.attempt, at: Date.now(), detail });

  const process1 = async (job: Job, token?: string) => {
    const data = fleetJobDataSchema.parse(job.data);
    // the governor: a job taken while the host is full goes back to wait, for this or another host
    if (!hostTakes(running.size, o.slots)) {
      await job.moveToDelayed(Date.now() + 250, token);
      throw new DelayedError();
    }
    const r: Running = { engineId: job.id as string, provider: data.provider, attempt: 0, localId: null };
    running.set(data.beads, r);
    try {
      if (await engine.redis.sismember(STOP_KEY, data.beads)) return stoppedBeforeStart(o.hostId);
      r.attempt = await engine.redis.incr(attemptKey(data.beads));
      const launched = await launcher
        .launch(data, r.attempt, self)
        .then(({ job_id, branch }) => ({ local: recordedLocal(store, job_id, data.beads), branch }))
        .catch((e: unknown) => {
          if (!(e instanceof DxError)) throw e;
          return e;
        });
      // refused on this host (its provider CLI missing, the remote unreachable …): the job ends with that reason
      if (launched instanceof DxError) {
        await event('ended', r, data.beads, launched.reasonCode);
        log(`refused ${data.beads}: ${launched.message}`);
        return refusedResult(o.hostId, r.attempt, launched);
      }
      const { local, branch } = launched;
      r.localId = local.id;
      const progress: FleetProgress = {
        host: o.hostId,
        attempt: r.attempt,
        branch,
        run_instance: local.runInstance,
        spawned_at: Date.now(),
      };
      await job.updateProgress(progress);
      await event('started', r, data.beads, local.runInstance);
      log(`started ${data.beads} attempt ${r.attempt} (${local.runInstance})`);
      // its output, for `logs --fleet` on any host
      const shipping = shipLogs(engine, local, o.hostId, r.attempt);
      const ended = await localEnd(store, data.beads).finally(() => shipping.stop());
      const inRow = Number((await engine.redis.hget(RATE_LIMITS_KEY, data.beads)) ?? 0) + 1;
      const s = settle(ended.end, { ...progress }, inRow, FLEET_RATE_LIMIT_RETRIES, fallbackOf(data));
      if (s.action === 'rate_limited') {
        await engine.redis.hset(RATE_LIMITS_KEY, data.beads, inRow);
        await event('rate_limited', r, data.beads, `${s.delayMs} ms`);
        log(`${data.beads}: ${data.provider} rate-limited; its queue pauses ${s.delayMs} ms on every host`);
        await engine.providerQueue(data.provider).rateLimit(s.delayMs);
        throw Worker.RateLimitError();
      }
      await engine.redis.hdel(RATE_LIMITS_KEY, data.beads);
      // still rate limited past the retries: the next attempt waits in the fallback provider's queue
      if (s.action === 'fallback') {
        await enqueue(engine, fallbackJobData(data, s.provider, s.reason, Date.now()));
        await event('fell_back', r, data.beads, `${s.reason} → ${s.provider}`);
        log(`${data.beads}: ${data.provider} still rate-limited; falls back to ${s.provider}`);
        return s.result;
      }
      await event('ended', r, data.beads, s.result.reason_code);
      log(`ended ${data.beads}: ${s.result.state} ${s.result.reason_code}`);
      return s.result;
    } finally {
      running.delete(data.beads);
    }
  };

  const queues = [...o.providers.map(providerQueue), hostQueue(o.hostId)];
  const workers = queues.map((q) => {
    const w = new Worker(q, process1, {
      connection: engine.redis,
      prefix: FLEET_PREFIX,
      concurrency: o.slots,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      maxStalledCount: 3,
    });
    // while Redis is away each retry fails: the outage is said once, above
    w.on('error', (e) => offline || log(`engine: ${e.message.split('\n')[0]}`));
    // the lock is gone (Redis unreachable past the lock's life, or another host took the job): end the run
    // here, so the job never runs on two hosts at once
    w.on('lockRenewalFailed', (ids) => {
      for (const [beads, r] of running)
        if (ids.includes(r.engineId)) void endLocal(store, beads, 'fleet_lock_lost').then(() => log(`lost ${beads}`));
    });
    return w;
  });
  // fleet waves: this host also runs wave drivers (engine jobs of their own queue; they take no slot)
  workers.push(waveDriverWorker(engine, o.hostId, new RepoCache(o.repoCache), log));

  // stop requests from any host: the owner ends its local run, which settles the engine's job
  const sub = engine.redis.duplicate();
  sub.on('error', () => undefined);
  await sub.subscribe(STOP_CHANNEL);
  sub.on('message', (_channel, beads: string) => {
    if (running.has(beads)) void endLocal(store, beads, 'manual_stop').then(() => log(`stopped ${beads}`));
  });

  const beat = async () => {
    const hb: Heartbeat = {
      host: o.hostId,
      slots: o.slots,
      providers: o.providers,
      running: [...running.keys()],
      pid: process.pid,
      at: Date.now(),
    };
    await engine.redis
      .multi()
      .set(heartbeatKey(o.hostId), JSON.stringify(hb), 'EX', HEARTBEAT_TTL_SEC)
      .sadd(HOSTS_KEY, o.hostId)
      .exec();
  };
  await beat();
  const timer = setInterval(() => void beat().catch(() => undefined), HEARTBEAT_MS);
  log(`worker on ${os.hostname()}: slots=${o.slots} queues=${queues.join(',')}`);

  // SIGTERM/SIGINT: take no more jobs; the running ones finish and settle first (BullMQ's close waits for them)
  await new Promise<void>((resolve) => {
    const quit = () => {
      stopping = true;
      log('stopping: no new jobs; waiting for the running ones');
      resolve();
    };
    process.once('SIGTERM', quit);
    process.once('SIGINT', quit);
  });
  await Promise.all(workers.map((w) => w.close()));
  await launcher.close();
  clearInterval(timer);
  await engine.redis.del(heartbeatKey(o.hostId)).catch(() => undefined);
  sub.disconnect();
  await engine.close();
  store.close();
}
