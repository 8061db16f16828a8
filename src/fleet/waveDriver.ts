import { DelayedError, Worker, type Job } from 'bullmq';
import { sleep } from '../core/time.js';
import { attemptModel, waveStateOf } from '../wave/decide.js';
import type { FleetJobData } from './data.js';
import type { FleetJobView } from './decide.js';
import { LOCK_MS, STALLED_CHECK_MS, type Engine } from './engine.js';
import { viewOf } from './client.js';
import { FLEET_PREFIX, providerQueue } from './names.js';
import { fleetWaveSchema, WAVES_QUEUE, waveKey, type FleetWave, type FleetWaveItem } from './waveData.js';
import { stepItem, waveItemJobId } from './waveDecide.js';

/**
 * The fleet wave's driver: an engine job of the waves queue, which any worker takes. Each pass it reads every
 * item's current job from the engine, decides its step (waveDecide.ts), enqueues what is due under the item's
 * deterministic job id and saves the wave. A driver whose host died is taken over by another worker once its
 * lock expires and starts again from the engine's record: a job already enqueued is not enqueued again.
 */

const PASS_MS = 1000;
/** Drivers one host runs at once: they wait on the engine, not on the CPU. */
const DRIVERS_PER_HOST = 8;

export async function readWave(engine: Engine, id: number): Promise<FleetWave | null> {
  const text = await engine.redis.get(waveKey(id));
  return text === null ? null : fleetWaveSchema.parse(JSON.parse(text));
}

export const saveWave = (engine: Engine, w: FleetWave) => engine.redis.set(waveKey(w.id), JSON.stringify(w));

/** The engine's job of an item's current dispatch, and its view (null: not enqueued). */
export async function itemJob(engine: Engine, waveId: number, it: FleetWaveItem) {
  if (it.dispatch === 0) return null;
  const queue = providerQueue(it.provider);
  const job = await engine.queue(queue).getJob(waveItemJobId(waveId, it.beads, it.dispatch));
  return job ? { job, view: await viewOf(engine, job, queue) } : null;
}

function jobData(w: FleetWave, it: FleetWaveItem): FleetJobData {
  return {
    beads: it.beads,
    prompt: it.prompt,
    provider: it.provider,
    model: attemptModel(it, it.fallbackReason !== null),
    repo: w.repo,
    base: it.base,
    branchPrefix: w.branchPrefix,
    verifyCmd: it.verifyCmd,
    enqueuedAt: Date.now(),
  };
}

/** One pass over the wave: each item's step; the wave saved when anything changed. Returns the wave as saved. */
async function drivePass(engine: Engine, w: FleetWave, log: (line: string) => void): Promise<FleetWave> {
  const items: FleetWaveItem[] = [];
  for (const it of w.items) {
    const found = await itemJob(engine, w.id, it);
    const step = stepItem(it, found?.view ?? (null as FleetJobView | null));
    // saved before the enqueue: a driver that dies between the two enqueues the same id again, a no-op
    if (step.enqueue) {
      await saveWave(engine, { ...w, items: [...items, step.item, ...w.items.slice(items.length + 1)] });
      const jobId = waveItemJobId(w.id, step.item.beads, step.item.dispatch);
      await engine
        .queue(providerQueue(step.item.provider))
        .add(step.item.beads, jobData(w, step.item), { jobId, removeOnComplete: false });
      log(
        `wave ${w.id}: enqueued ${jobId}${step.item.fallbackReason ? ` (fallback: ${step.item.fallbackReason})` : ''}`,
      );
    }
    items.push(step.item);
  }
  const state = waveStateOf(
    w.state,
    items.map((i) => i.state),
  );
  const next: FleetWave = { ...w, items, state, endedAt: state === 'running' ? null : (w.endedAt ?? Date.now()) };
  if (JSON.stringify(next) !== JSON.stringify(w)) await saveWave(engine, next);
  return next;
}

/** Drives the wave until it ends (or this host loses it); the driver job's result is the wave's state. */
export async function driveFleetWave(
  engine: Engine,
  id: number,
  host: string,
  lost: () => boolean,
  log: (line: string) => void,
): Promise<{ wave: number; state: string }> {
  let w = await readWave(engine, id);
  if (!w) throw new Error(`the engine holds no wave ${id}`);
  w = { ...w, driverHost: host };
  await saveWave(engine, w);
  log(`driving wave ${id}`);
  while (w.state === 'running' && !lost()) {
    w = await drivePass(engine, w, log);
    if (w.state === 'running') await sleep(PASS_MS);
  }
  log(`wave ${id}: ${w.state}`);
  return { wave: id, state: w.state };
}

/**
 * The worker of the waves queue on one host: runs the drivers it takes; one whose lock it lost ends, and one still
 * running when the worker stops (SIGTERM) goes back to wait for another host.
 */
export function waveDriverWorker(engine: Engine, host: string, log: (line: string) => void): Worker {
  const lostIds = new Set<string>();
  const w: Worker = new Worker(
    WAVES_QUEUE,
    async (job: Job<{ wave: number }>, token?: string) => {
      const over = () => lostIds.has(job.id as string) || w.closing !== undefined;
      const r = await driveFleetWave(engine, job.data.wave, host, over, log);
      if (r.state === 'running' && !lostIds.has(job.id as string)) {
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      return r;
    },
    {
      connection: engine.redis,
      prefix: FLEET_PREFIX,
      concurrency: DRIVERS_PER_HOST,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      maxStalledCount: 3,
    },
  );
  w.on('error', (e) => log(`engine (waves): ${e.message.split('\n')[0]}`));
  w.on('lockRenewalFailed', (ids) => ids.forEach((i) => lostIds.add(i)));
  return w;
}
