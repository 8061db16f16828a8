import { isStoreBusy } from '../core/reasons.js';
import { sleep } from '../core/time.js';
import type { JobRecord, Store } from '../store/index.js';
import { restartRun } from './restart.js';

/** How many relaunches a job may have had for its run to be relaunched again on a busy local store. */
export const STORE_BUSY_RELAUNCHES = 2;
const WAIT_FOR_SLOT_MS = 1000;

/**
 * Pure: a run that failed because the agent CLI's own database was busy as it started is relaunched, while the
 * job has been relaunched fewer than STORE_BUSY_RELAUNCHES times. Nothing of the task ran: the CLI died first.
 */
export const relaunchesForBusyStore = (outcomeReason: string, retries: number): boolean =>
  isStoreBusy(outcomeReason) && retries < STORE_BUSY_RELAUNCHES;

/**
 * Relaunches the run after a short random wait, so runs that collided on start do not collide again; while the
 * provider is at its cap the run stays ended as `store_busy` and this waits for a slot (the watchdog takes
 * over if this process dies).
 */
export async function relaunchAfterBusyStore(store: Store, home: string, job: JobRecord): Promise<void> {
  await sleep(500 + Math.floor(Math.random() * 2000));
  let run = job;
  for (;;) {
    const next = await restartRun(store, home, run, 'store_busy');
    if (!next || !('waiting' in next)) return;
    await sleep(WAIT_FOR_SLOT_MS);
    run = store.jobs.get(job.id) as JobRecord;
    if (run.outcomeReason !== 'store_busy') return; // stopped, or relaunched by the watchdog, meanwhile
  }
}
