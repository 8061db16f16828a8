import { DxError } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { deliveryOutput, iso } from '../report/index.js';
import type { WaveReportOutput, WaveResumeOutput, WaveStatusOutput } from '../report/waveSchemas.js';
import { countItems, itemEnded } from '../wave/decide.js';
import { stopEngineJob } from './client.js';
import type { FleetJobView } from './decide.js';
import { withEngine, type Engine } from './engine.js';
import { STOP_KEY } from './names.js';
import { itemJob, readWave, saveWave, updateWave } from './waveDriver.js';
import { WAVE_SEQ_KEY, WAVES_QUEUE, waveDriverJobId, type FleetWave } from './waveData.js';
import { mergeQueue, resumeAction, resumedItem, stoppedItem } from './waveDecide.js';
import { planFleetWave, type FleetWaveOptions } from './wavePlan.js';

/**
 * Waves on the fleet: `wave start --fleet` records the wave in the engine and enqueues its driver (waveDriver.ts)
 * as an engine job; `wave status|report --fleet` read it from any host, in the local wave's output shapes;
 * `wave stop|resume --fleet` end it and take it up again, as on one host.
 */

export type { FleetWaveOptions } from './wavePlan.js';

/** The wave, or the newest one when no id is given; refused when the engine holds none. */
async function waveOf(engine: Engine, id: number | undefined): Promise<FleetWave> {
  const newest = Number((await engine.redis.get(WAVE_SEQ_KEY)) ?? 0);
  const w = await readWave(engine, id ?? newest);
  if (!w)
    throw new DxError(
      'wave_not_found',
      id === undefined || newest === 0
        ? 'the fleet holds no wave yet; start one with dx-runner wave start --fleet'
        : `the fleet holds no wave ${id}; the newest is ${newest}`,
    );
  return w;
}

/** Each item with the view of its current engine job (null: not enqueued yet). */
async function itemViews(engine: Engine, w: FleetWave) {
  return Promise.all(w.items.map(async (it) => ({ it, job: (await itemJob(engine, w.id, it))?.view ?? null })));
}

async function statusOf(engine: Engine, w: FleetWave): Promise<WaveStatusOutput> {
  return {
    wave: w.id,
    state: w.state,
    critical: w.critical,
    driver_pid: null,
    driver_host: w.driverHost,
    created_at: iso(w.createdAt),
    ended_at: iso(w.endedAt),
    counts: countItems(w.items.map((i) => i.state)),
    merge_queue: mergeQueue(w.items).map((i) => w.items[i].beads),
    items: (await itemViews(engine, w)).map(({ it, job }) => ({
      beads: it.beads,
      item_state: it.state,
      provider: it.provider,
      attempts: it.dispatch,
      fallback_reason: it.fallbackReason,
      reason_code: it.reasonCode,
      last_event: null,
      job: null,
      fleet_job: job,
    })),
  };
}

const enqueueDriver = (engine: Engine, id: number) =>
  engine
    .queue(WAVES_QUEUE)
    .add('wave', { wave: id }, { jobId: waveDriverJobId(id), removeOnComplete: false, removeOnFail: false });

/** `wave start --fleet`: checks the whole wave first (nothing reaches the engine on a refusal), then records it. */
export async function startFleetWave(url: string, o: FleetWaveOptions): Promise<WaveStatusOutput> {
  const plan = planFleetWave(o);
  return withEngine(url, async (engine) => {
    const id = await engine.redis.incr(WAVE_SEQ_KEY);
    const w: FleetWave = { id, state: 'running', createdAt: Date.now(), endedAt: null, driverHost: null, ...plan };
    await saveWave(engine, w);
    await enqueueDriver(engine, id);
    return statusOf(engine, w);
  });
}

/** `wave status --fleet`. */
export const fleetWaveStatus = (url: string, id: number | undefined) =>
  withEngine(url, async (engine) => statusOf(engine, await waveOf(engine, id)));

/** `wave report --fleet`: the wave's record; each item's work is its branch on the shared remote. */
export const fleetWaveReport = (url: string, id: number | undefined): Promise<WaveReportOutput> =>
  withEngine(url, async (engine) => {
    const w = await waveOf(engine, id);
    return {
      wave: w.id,
      state: w.state,
      critical: w.critical,
      driver_host: w.driverHost,
      created_at: iso(w.createdAt),
      ended_at: iso(w.endedAt),
      duration_sec: Math.max(0, Math.round(((w.endedAt ?? Date.now()) - w.createdAt) / 1000)),
      counts: countItems(w.items.map((i) => i.state)),
      items: (await itemViews(engine, w)).map(({ it, job }) => ({
        beads: it.beads,
        state: it.state,
        provider: it.provider,
        attempts: it.dispatch,
        fallback_reason: it.fallbackReason,
        reason_code: it.reasonCode,
        worktree: '',
        branch: job?.branch ?? it.branch,
        commit: job?.commit ?? it.commit,
        delivery: it.landing ? deliveryOutput(it.landing) : null,
        mutations: 0,
        runs: [],
        fleet_job: job,
      })),
    };
  });

/** How long stop waits for the wave's driver to see the stop and end its pass (a landing in it included). */
const DRIVER_STOP_WAIT_MS = 60_000;

/**
 * `wave stop --fleet`: the wave is marked stopped first, so its driver ends at its next pass and launches nothing
 * more; then each unfinished item's job is taken out of the engine (queued) or stopped on its host (running),
 * through the fleet's stop path, and the item records how it ended.
 */
export const stopFleetWave = (url: string, id: number | undefined): Promise<WaveStatusOutput> =>
  withEngine(url, async (engine) => {
    const { id: waveId } = await waveOf(engine, id);
    const stopped = await updateWave(engine, waveId, (w) =>
      w.state === 'running' ? { ...w, state: 'stopped', endedAt: Date.now() } : null,
    );
    if (!stopped) {
      const state = (await readWave(engine, waveId))?.state;
      throw new DxError('wave_not_running', `fleet wave ${waveId} is ${state}; nothing to stop`);
    }
    const driver = await engine.queue(WAVES_QUEUE).getJob(waveDriverJobId(waveId));
    for (const end = Date.now() + DRIVER_STOP_WAIT_MS; driver && Date.now() < end; await sleep(200))
      if ((await driver.getState()) !== 'active') break;
    const w = (await readWave(engine, waveId)) as FleetWave;
    const open = w.items.filter((it) => !itemEnded(it.state));
    // kept before the jobs are looked at: a job enqueued meanwhile is not run by the host that takes it
    if (open.length) await engine.redis.sadd(STOP_KEY, ...open.map((it) => it.beads));
    const ends = new Map<string, FleetJobView | null>();
    for (const it of open) {
      const found = await itemJob(engine, waveId, it);
      const live = found && ['queued', 'running'].includes(found.view.state);
      const ended = live ? await stopEngineJob(engine, found) : (found?.view ?? null);
      // taken out of its queue before any host ran it: cancelled, as a queued item on one host
      ends.set(it.beads, found?.view.state === 'queued' && ended?.host === null ? null : ended);
    }
    const final = await updateWave(engine, waveId, (x) => ({
      ...x,
      items: x.items.map((it) => (ends.has(it.beads) ? stoppedItem(it, ends.get(it.beads) ?? null) : it)),
    }));
    return statusOf(engine, final as FleetWave);
  });

/**
 * `wave resume --fleet`: a stopped wave, or a running one whose driver is gone, gets its driver enqueued again;
 * a stopped wave's stopped and cancelled items go back to the queue (new dispatches) and its items left out of
 * the merge queue back to it. A finished item is not run again.
 */
export const resumeFleetWave = (url: string, id: number | undefined): Promise<WaveResumeOutput> =>
  withEngine(url, async (engine) => {
    const w = await waveOf(engine, id);
    const driver = await engine.queue(WAVES_QUEUE).getJob(waveDriverJobId(w.id));
    const action = resumeAction(w.state, driver ? await driver.getState() : null);
    if (action === 'refuse')
      throw new DxError('wave_not_running', `fleet wave ${w.id} is ${w.state}; nothing to resume`);
    if (action === 'live') return { wave: w.id, resumed: false, driver_pid: null };
    const resumed = await updateWave(engine, w.id, (x) =>
      x.state === 'done'
        ? null
        : { ...x, state: 'running', endedAt: null, items: x.state === 'stopped' ? x.items.map(resumedItem) : x.items },
    );
    if (!resumed) throw new DxError('wave_not_running', `fleet wave ${w.id} is done; nothing to resume`);
    const again = resumed.items.filter((it) => it.state === 'queued').map((it) => it.beads);
    if (again.length) await engine.redis.srem(STOP_KEY, ...again);
    await driver?.remove().catch(() => undefined);
    await enqueueDriver(engine, w.id);
    return { wave: w.id, resumed: true, driver_pid: null };
  });
