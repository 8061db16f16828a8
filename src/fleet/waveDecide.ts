import { decideFallback, itemEnded, type ItemState } from '../wave/decide.js';
import type { FleetWaveItem } from './waveData.js';
import type { FleetJobView } from './decide.js';

/**
 * Pure: a fleet wave item's next step, from the item as the wave records it and its current engine job. The
 * driver does the I/O (reading the job, enqueueing, saving the wave); this decides, so a driver that restarts
 * from the engine's record makes the same decisions and, with the deterministic job ids, enqueues nothing twice.
 */

/** The engine's job id of one dispatch of a wave item: the same wave, bead and dispatch is the same job. */
export const waveItemJobId = (wave: number, beads: string, dispatch: number) => `wave${wave}-${beads}-d${dispatch}`;

export interface ItemStep {
  item: FleetWaveItem;
  /** enqueue the item's current dispatch (a known job id is a no-op in the engine) */
  enqueue: boolean;
}

/** What the wave records of an item whose job succeeded: landed once its branch was pushed, else ready. */
const onSuccess = (view: FleetJobView): ItemState => (view.delivery?.startsWith('pushed') ? 'landed' : 'ready');

/** The engine's view of a failed job as the wave's fallback decision reads it. */
const OUTCOME: Record<string, 'failed' | 'killed' | 'blocked'> = {
  failed: 'failed',
  killed: 'killed',
  blocked: 'blocked',
  unknown: 'failed',
};

/**
 * The item's next step. `view` is its current dispatch's job (null: the engine holds none, the driver died
 * before enqueueing it, or never got to it).
 */
export function stepItem(it: FleetWaveItem, view: FleetJobView | null): ItemStep {
  if (itemEnded(it.state)) return { item: it, enqueue: false };
  if (it.dispatch === 0) return { item: { ...it, dispatch: 1, state: 'queued' }, enqueue: true };
  if (!view) return { item: { ...it, state: 'queued' }, enqueue: true };
  const at = { host: view.host, attempt: view.attempt, branch: view.branch, commit: view.commit };
  if (view.state === 'queued') return { item: { ...it, state: 'queued' }, enqueue: false };
  if (view.state === 'running') return { item: { ...it, ...at, state: 'running' }, enqueue: false };
  const ended = { ...it, ...at, delivery: view.delivery, reasonCode: view.reason_code };
  if (view.state === 'success') return { item: { ...ended, state: onSuccess(view) }, enqueue: false };
  if (view.state === 'stopped') return { item: { ...ended, state: 'stopped' }, enqueue: false };
  const d = decideFallback(
    { fallbackReason: it.fallbackReason, fallbackProvider: it.fallbackProvider },
    { at: 'end', outcomeState: OUTCOME[view.state], reasonCode: view.reason_code ?? 'unknown' },
  );
  if (d.action === 'fail') return { item: { ...ended, state: 'failed', reasonCode: d.reasonCode }, enqueue: false };
  return {
    item: { ...ended, state: 'queued', provider: d.provider, fallbackReason: d.reason, dispatch: it.dispatch + 1 },
    enqueue: true,
  };
}
