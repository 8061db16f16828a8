import { sleep } from '../core/time.js';
import { RATE_LIMIT_BACKOFF } from '../health/index.js';
import type { JobRecord, Store } from '../store/index.js';
import { nextPause } from './backoff.js';
import { finalizeJob } from './finalize.js';
import { DEFAULT_RATE_LIMIT_RETRIES } from './options.js';
import { isAlive, terminateGroup } from './process.js';
import { restartRun } from './restart.js';

const PAUSE_POLL_MS = 1000;
/** A paused run its relaunch has claimed: superseded by the next run, which is being launched. */
export const RATE_LIMIT_RELAUNCH = 'rate_limit_relaunch';

/**
 * The job's newest run waits out a rate-limit pause or is being relaunched after one, or after its agent's
 * database was busy: the job goes on.
 */
export const awaitingRelaunch = (run: JobRecord) =>
  run.outcomeReason === RATE_LIMIT_BACKOFF ||
  run.outcomeReason === RATE_LIMIT_RELAUNCH ||
  run.outcomeReason === 'store_busy';

/**
 * A run its provider rate-limited: the provider is paused on this host (its hint, else the doubling backoff) and
 * the 429 recorded. Returns whether the job goes again after the pause (its relaunches are not used up).
 */
export function pauseProvider(store: Store, job: JobRecord, reasonCode: string, hintSec: number | null): boolean {
  const relaunch = job.retries < (job.settings.rateLimitRetries ?? DEFAULT_RATE_LIMIT_RETRIES);
  const now = Date.now();
  const pause = store.pauses.record(job.provider, (prev) => nextPause(prev, now, reasonCode, hintSec));
  store.events.append(job.id, {
    kind: 'rate_limited',
    reason_code: reasonCode,
    attempt: pause.attempt,
    retry_in_sec: Math.ceil((pause.until - now) / 1000),
    hint_sec: hintSec,
    relaunch,
  });
  return relaunch;
}

/**
 * Ends the run as paused (`rate_limit_backoff`), waits until its provider's pause is over (a 429 of another job
 * may extend it) and a slot is free, then relaunches it as the next run with its worktree. Called by the run's
 * detached supervisor, so it survives the start that launched it. A `stop` during the pause ends the job: the
 * paused run is claimed once, by the stop or by the relaunch.
 */
export async function relaunchAfterPause(store: Store, home: string, job: JobRecord, reasonCode: string) {
  if (!finalizeJob(store, job, { state: 'killed', reasonCode: RATE_LIMIT_BACKOFF, exitCode: null })) return;
  if (job.pid && isAlive(job.pid, job.pidStart)) await terminateGroup(job.pid);
  for (;;) {
    const until = store.pauses.get(job.provider)?.until ?? 0;
    const paused = store.jobs.get(job.id);
    if (paused?.outcomeReason !== RATE_LIMIT_BACKOFF) return; // stopped during the pause
    if (Date.now() >= until && !providerFull(store, job)) break;
    await sleep(Math.min(PAUSE_POLL_MS, Math.max(until - Date.now(), 50)));
  }
  // the relaunch claims the paused run: from here a stop finds the new run
  const relaunching = { state: 'killed', reasonCode: RATE_LIMIT_RELAUNCH, exitCode: null } as const;
  if (!store.jobs.endPaused(job.id, RATE_LIMIT_BACKOFF, relaunching)) return;
  const ended = store.jobs.get(job.id) as JobRecord;
  for (;;) {
    const next = await relaunchOrEnd(store, home, ended, reasonCode);
    // another start took the last slot between the count and the launch: wait for the next one
    if (next && 'waiting' in next) {
      await sleep(PAUSE_POLL_MS);
      continue;
    }
    // the 429s carry over, so the report of the run that ends the job lists every one
    if (next)
      for (const { at: _at, ...e } of store.events.list(job.id))
        if (e.kind === 'rate_limited') store.events.append(next.run.id, e);
    return;
  }
}

/** The relaunch; one that cannot be made (its launch record gone, a spawn failure) ends the job rate limited. */
async function relaunchOrEnd(store: Store, home: string, ended: JobRecord, reasonCode: string) {
  try {
    return await restartRun(store, home, ended, 'rate_limited');
  } catch (e) {
    store.jobs.endPaused(ended.id, RATE_LIMIT_RELAUNCH, { state: 'failed', reasonCode, exitCode: null });
    throw e;
  }
}

/** The provider's live jobs fill its cap: the relaunch waits for a slot rather than being refused. */
function providerFull(store: Store, job: JobRecord): boolean {
  const live = store.jobs.activeOf(job.provider).filter((j) => isAlive(j.pid, j.pidStart)).length;
  return live >= job.settings.maxParallel;
}
