import type { DeliverMode, DeliveryResult } from '../contract/delivery.js';
import type { ItemState, JobRecord, Store, WaveItemRecord } from '../store/index.js';
import { landJob } from './job.js';
import { DxError } from '../core/errors.js';

/**
 * The wave's merge queue: an item whose job succeeded under `deliver: merge` waits (`landing`) and items land one
 * at a time in the order their jobs finished, each rebased onto the base as the previous one left it and
 * verified again. One that conflicts or fails verification is `failed` with its reason; the next still lands.
 */

/** Pure: the state an item whose job succeeded moves to: its work `ready` on its branch, or delivered now/queued. */
export function stateOnSuccess(mode: DeliverMode | undefined): 'ready' | 'landing' | 'deliver' {
  if (!mode || mode === 'none') return 'ready';
  return mode === 'merge' ? 'landing' : 'deliver'; // a push needs no order: it is delivered at once
}

/** Pure: the item's state and reason once its delivery is done. */
export const stateAfterDelivery = (
  r: Pick<DeliveryResult, 'result' | 'reasonCode'>,
): { state: ItemState; reasonCode: string } => ({
  state: r.result === 'failed' ? 'failed' : 'landed',
  reasonCode: r.reasonCode ?? r.result,
});

/** Pure: the items waiting in the queue, in the order they land: the job that finished first lands first. */
export function landingOrder<T extends { seq: number; state: ItemState; completedAt: number | null }>(
  items: readonly T[],
): T[] {
  return items
    .filter((i) => i.state === 'landing')
    .sort((a, b) => (a.completedAt ?? Infinity) - (b.completedAt ?? Infinity) || a.seq - b.seq);
}

/** Delivers one item's job as its spec asks and records the result on the item (never throws a refusal). */
export function deliverItem(store: Store, it: WaveItemRecord, job: JobRecord): DeliveryResult | null {
  const policy = it.spec.delivery;
  if (!policy) return null;
  let r: DeliveryResult;
  try {
    r = landJob(store, job, policy);
  } catch (e) {
    if (!(e instanceof DxError)) throw e;
    store.waves.updateItem(it.id, { state: 'failed', reasonCode: e.reasonCode });
    return null;
  }
  store.waves.updateItem(it.id, stateAfterDelivery(r));
  return r;
}

/** One pass of the queue: every waiting item lands (or fails) in turn; returns how many were taken. */
export function landQueued(store: Store, waveId: number, log: (line: string) => void): number {
  const waiting = store.waves.items(waveId).map((it) => {
    const job = it.jobId ? store.jobs.get(it.jobId) : null;
    return { ...it, job, completedAt: job?.completedAt ?? null };
  });
  const order = landingOrder(waiting);
  for (const it of order) {
    if (!it.job) {
      store.waves.updateItem(it.id, { state: 'failed', reasonCode: 'job_not_deliverable' });
      continue;
    }
    const r = deliverItem(store, it, it.job);
    log(`wave ${waveId}: ${it.beads} ${r ? `${r.result}: ${r.detail}` : 'could not be delivered'}\n`);
  }
  return order.length;
}
