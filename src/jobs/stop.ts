import { DxError } from '../core/errors.js';
import { RATE_LIMIT_BACKOFF, type Outcome } from '../health/index.js';
import { claimAndEnd, type JobEnded } from './restart.js';
import type { JobRecord, Store } from '../store/index.js';
import { validateBeadsId } from './validate.js';

/**
 * Ends all of the job's run (`claimAndEnd`: every process it started, its session on a shared server) and
 * records `manual_stop` (or the outcome `finalize` forces). A job that had already ended by itself keeps its
 * real outcome: stop never overwrites one. A job waiting out its provider's
 * rate-limit pause is ended there: it is not relaunched. Returns the job as it ended and what was ended.
 */
export async function stopJob(
  store: Store,
  beadsArg: string | undefined,
  outcome: Outcome = { state: 'killed', reasonCode: 'manual_stop', exitCode: 137 },
): Promise<{ job: JobRecord; ended: JobEnded | null }> {
  const beads = validateBeadsId(beadsArg);
  const job = store.jobs.active(beads);
  if (!job) {
    const latest = store.jobs.latest(beads);
    if (latest && store.jobs.endPaused(latest.id, RATE_LIMIT_BACKOFF, outcome))
      return { job: store.jobs.get(latest.id) as JobRecord, ended: null };
    throw latest
      ? new DxError(
          'job_not_running',
          `bead ${beads} has no running job (its last job ended: ${latest.outcomeState}); nothing to stop`,
        )
      : new DxError('no_meta', `no job recorded for bead ${beads}; check the id with: dx-runner status`);
  }
  const ended = await claimAndEnd(store, job, outcome);
  return { job: store.jobs.get(job.id) as JobRecord, ended };
}
