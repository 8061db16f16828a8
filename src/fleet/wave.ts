import { DxError } from '../core/errors.js';
import { iso } from '../report/index.js';
import type { WaveReportOutput, WaveStatusOutput } from '../report/waveSchemas.js';
import { countItems } from '../wave/decide.js';
import { withEngine, type Engine } from './engine.js';
import { itemJob, readWave, saveWave } from './waveDriver.js';
import { WAVE_SEQ_KEY, WAVES_QUEUE, waveDriverJobId, type FleetWave } from './waveData.js';
import { planFleetWave, type FleetWaveOptions } from './wavePlan.js';

/**
 * Waves on the fleet: `wave start --fleet` records the wave in the engine and enqueues its driver (waveDriver.ts)
 * as an engine job; `wave status|report --fleet` read it from any host, in the local wave's output shapes.
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
    merge_queue: [],
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

/** `wave start --fleet`: checks the whole wave first (nothing reaches the engine on a refusal), then records it. */
export async function startFleetWave(url: string, o: FleetWaveOptions): Promise<WaveStatusOutput> {
  const plan = planFleetWave(o);
  return withEngine(url, async (engine) => {
    const id = await engine.redis.incr(WAVE_SEQ_KEY);
    const w: FleetWave = { id, state: 'running', createdAt: Date.now(), endedAt: null, driverHost: null, ...plan };
    await saveWave(engine, w);
    await engine
      .queue(WAVES_QUEUE)
      .add('wave', { wave: id }, { jobId: waveDriverJobId(id), removeOnComplete: false, removeOnFail: false });
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
        delivery: null,
        mutations: 0,
        runs: [],
        fleet_job: job,
      })),
    };
  });
