import { landingOrder, stateOnSuccess } from '../delivery/queue.js';
import { decideFallback, itemEnded, type ItemState } from '../wave/decide.js';
import type { FleetWave, FleetWaveItem } from './waveData.js';
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

const pushed = (delivery: string | null | undefined) => !!delivery?.startsWith('pushed');

/**
 * What the wave records of an item whose job succeeded and pushed its branch: `deliver: merge` waits in the merge
 * queue, `none` is ready on its branch, `push` (the default) is delivered by that push; a branch not pushed is ready.
 */
export function onSuccess(deliver: FleetWaveItem['deliver'], delivery: string | null): ItemState {
  if (!pushed(delivery)) return 'ready';
  const next = stateOnSuccess(deliver ?? 'push');
  return next === 'deliver' ? 'landed' : next;
}

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
export function stepItem(it: FleetWaveItem, view: FleetJobView | null, finishedAt: number | null = null): ItemStep {
  if (itemEnded(it.state)) return { item: it, enqueue: false };
  if (it.dispatch === 0) return { item: { ...it, dispatch: 1, state: 'queued' }, enqueue: true };
  if (!view) return { item: { ...it, state: 'queued' }, enqueue: true };
  const at = { host: view.host, attempt: view.attempt, branch: view.branch, commit: view.commit };
  if (view.state === 'queued') return { item: { ...it, state: 'queued' }, enqueue: false };
  if (view.state === 'running') return { item: { ...it, ...at, state: 'running' }, enqueue: false };
  const ended = { ...it, ...at, delivery: view.delivery, reasonCode: view.reason_code, finishedAt };
  if (view.state === 'success')
    return { item: { ...ended, state: onSuccess(it.deliver, view.delivery) }, enqueue: false };
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

/**
 * `wave stop --fleet`: what an item becomes once its job was taken out of the engine or stopped (`view`: the job
 * as it ended; null: none). As on one host: a queued item is cancelled, a stopped one `stopped` (wave_stopped), one
 * whose job ended first keeps that end, and one waiting in the merge queue is ready on its branch, not delivered.
 */
export function stoppedItem(it: FleetWaveItem, view: FleetJobView | null): FleetWaveItem {
  if (it.state === 'landing') return { ...it, state: 'ready' };
  if (itemEnded(it.state)) return it;
  const stopped = { state: 'stopped' as const, reasonCode: 'wave_stopped' };
  if (!view || view.state === 'queued') return { ...it, state: 'cancelled', reasonCode: 'wave_stopped' };
  if (view.state === 'running' || view.state === 'stopped') return { ...it, ...stopped };
  const ended = stepItem({ ...it, fallbackProvider: null }, view).item;
  return ended.state === 'landing' ? { ...ended, state: 'ready' } : ended;
}

/**
 * `wave resume --fleet` of a stopped wave: a stopped or cancelled item goes back to the queue as a new dispatch (a
 * job id of its own; the stopped one stays as it ended), one left ready out of the merge queue goes back to it;
 * every other item keeps its end, so nothing finished runs twice.
 */
export function resumedItem(it: FleetWaveItem): FleetWaveItem {
  if (it.state === 'stopped' || it.state === 'cancelled')
    return { ...it, state: 'queued', reasonCode: null, dispatch: it.dispatch === 0 ? 0 : it.dispatch + 1 };
  if (it.state === 'ready' && it.deliver === 'merge' && !it.landing && pushed(it.delivery))
    return { ...it, state: 'landing', reasonCode: null };
  return it;
}

/** Pure: the merge queue, as the indexes of its items in the order they land (as on one host: first finished first). */
export const mergeQueue = (items: readonly FleetWaveItem[]): number[] =>
  landingOrder(items.map((it, seq) => ({ seq, state: it.state, completedAt: it.finishedAt ?? null }))).map(
    (q) => q.seq,
  );

/** The engine's states of a job that is still to run or running: a driver job in one of them is live. */
const LIVE_JOB_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Pure: what `wave resume --fleet` does, from the wave's state and its driver job's (null: none in the engine):
 * a finished wave is refused; a running one whose driver is live is left to it; else the driver is enqueued again
 * (a stopped wave's items first go back to the queue, resumedItem).
 */
export function resumeAction(wave: FleetWave['state'], driver: string | null): 'refuse' | 'live' | 'resume' {
  if (wave === 'done') return 'refuse';
  return wave === 'running' && driver !== null && LIVE_JOB_STATES.has(driver) ? 'live' : 'resume';
}
