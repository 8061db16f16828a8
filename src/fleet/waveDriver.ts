import { DelayedError, Worker, type Job } from 'bullmq';
import { sleep } from '../core/time.js';
import { stateAfterDelivery } from '../delivery/queue.js';
import { attemptModel, waveStateOf } from '../wave/decide.js';
import type { FleetJobData } from './data.js';
import { LOCK_MS, STALLED_CHECK_MS, type Engine } from './engine.js';
import { viewOf } from './client.js';
import { FLEET_PREFIX, providerQueue } from './names.js';
import { fleetWaveSchema, WAVES_QUEUE, waveKey, type FleetWave, type FleetWaveItem } from './waveData.js';
import { mergeQueue, stepItem, waveItemJobId } from './waveDecide.js';
import { landerOn, type Lander } from './waveLand.js';
import type { RepoCache } from './repoCache.js';

/**
 * The fleet wave's driver: an engine job of the waves queue, which any worker takes. Each pass it reads every
 * item's current job from the engine, decides its step (waveDecide.ts), enqueues what is due under the item's
 * deterministic job id and saves the wave. A driver whose host died is taken over by another worker once its
 * lock expires and starts again from the engine's record: a job already enqueued is not enqueued again. Items
 * under `deliver: merge` then land one at a time (waveLand.ts). The wave is saved only over the text it was read
 * from (`replaceWave`), so a `wave stop --fleet` between a read and a save is never written over.
 */

const PASS_MS = 1000;
/** Drivers one host runs at once: they wait on the engine, not on the CPU. */
const DRIVERS_PER_HOST = 8;

/** The wave as the engine holds it, with the text read (what a save over it compares against). */
async function readWaveText(engine: Engine, id: number): Promise<{ wave: FleetWave; text: string } | null> {
  const text = await engine.redis.get(waveKey(id));
  return text === null ? null : { wave: fleetWaveSchema.parse(JSON.parse(text)), text };
}

export const readWave = async (engine: Engine, id: number) => (await readWaveText(engine, id))?.wave ?? null;

export const saveWave = (engine: Engine, w: FleetWave) => engine.redis.set(waveKey(w.id), JSON.stringify(w));

const REPLACE =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";

/** Saves `next` only when the engine still holds the text `before`: the text saved, or null (changed meanwhile). */
async function replaceWave(engine: Engine, before: string, next: FleetWave): Promise<string | null> {
  const text = JSON.stringify(next);
  return (await engine.redis.eval(REPLACE, 1, waveKey(next.id), before, text)) === 1 ? text : null;
}

/** Applies `change` to the wave (null: leaves it), read again and retried while another writer comes between. */
export async function updateWave(
  engine: Engine,
  id: number,
  change: (w: FleetWave) => FleetWave | null,
): Promise<FleetWave | null> {
  for (;;) {
    const read = await readWaveText(engine, id);
    const next = read && change(read.wave);
    if (!read || !next) return null;
    if ((await replaceWave(engine, read.text, next)) !== null) return next;
  }
}

/** The wave changed in the engine since this pass read it (stopped, resumed): the pass ends, the next reads it. */
class WaveChanged extends Error {}

/** The engine's job of an item's current dispatch, and its view (null: not enqueued). */
export async function itemJob(engine: Engine, waveId: number, it: FleetWaveItem) {
  if (it.dispatch === 0) return null;
  const queue = providerQueue(it.provider);
  const job = await engine.queue(queue).getJob(waveItemJobId(waveId, it.beads, it.dispatch));
  return job ? { job, queue, view: await viewOf(engine, job, queue) } : null;
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

/**
 * One pass over the wave as the engine holds it: each item's step, then the merge queue's landings in turn; each
 * saved before what it leads to (an enqueue, a landing). Returns the wave as saved.
 */
async function drivePass(engine: Engine, id: number, land: Lander, log: (line: string) => void): Promise<FleetWave> {
  const read = await readWaveText(engine, id);
  if (!read) throw new Error(`the engine holds no wave ${id}`);
  let { wave: w, text } = read;
  if (w.state !== 'running') return w;
  const save = async (next: FleetWave) => {
    if (JSON.stringify(next) === text) return;
    const saved = await replaceWave(engine, text, next);
    if (saved === null) throw new WaveChanged();
    [w, text] = [next, saved];
  };
  const items: FleetWaveItem[] = [];
  for (const it of w.items) {
    const found = await itemJob(engine, w.id, it);
    const step = stepItem(it, found?.view ?? null, found?.job.finishedOn ?? null);
    // saved before the enqueue: a driver that dies between the two enqueues the same id again, a no-op
    if (step.enqueue) {
      await save({ ...w, items: [...items, step.item, ...w.items.slice(items.length + 1)] });
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
  await save({ ...w, items });
  for (const seq of mergeQueue(items)) {
    const it = w.items[seq];
    const r = await land(w, it);
    log(`wave ${w.id}: ${it.beads} ${r.result}: ${r.detail}`);
    await save({
      ...w,
      items: w.items.map((x, i) => (i === seq ? { ...x, landing: r, ...stateAfterDelivery(r) } : x)),
    });
  }
  const state = waveStateOf(
    w.state,
    w.items.map((i) => i.state),
  );
  await save({ ...w, state, endedAt: state === 'running' ? null : (w.endedAt ?? Date.now()) });
  return w;
}

/** Drives the wave until it ends (or this host loses it); the driver job's result is the wave's state. */
export async function driveFleetWave(
  engine: Engine,
  id: number,
  host: string,
  land: Lander,
  lost: () => boolean,
  log: (line: string) => void,
): Promise<{ wave: number; state: string }> {
  await updateWave(engine, id, (w) => (w.state === 'running' ? { ...w, driverHost: host } : null));
  log(`driving wave ${id}`);
  let state = 'running';
  while (state === 'running' && !lost()) {
    state = await drivePass(engine, id, land, log).then(
      (w) => w.state,
      (e: unknown) => {
        if (e instanceof WaveChanged) return 'running';
        throw e;
      },
    );
    if (state === 'running') await sleep(PASS_MS);
  }
  log(`wave ${id}: ${state}`);
  return { wave: id, state };
}

/**
 * The worker of the waves queue on one host: runs the drivers it takes; one whose lock it lost ends, and one still
 * running when the worker stops (SIGTERM) goes back to wait for another host.
 */
export function waveDriverWorker(engine: Engine, host: string, cache: RepoCache, log: (line: string) => void): Worker {
  const lostIds = new Set<string>();
  const land = landerOn(cache);
  const w: Worker = new Worker(
    WAVES_QUEUE,
    async (job: Job<{ wave: number }>, token?: string) => {
      const over = () => lostIds.has(job.id as string) || w.closing !== undefined;
      const r = await driveFleetWave(engine, job.data.wave, host, land, over, log);
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
