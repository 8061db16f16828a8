import path from 'node:path';
import { DxError } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { DEFAULT_BRANCH_PREFIX } from '../contract/delivery.js';
import { claimAndEnd } from '../jobs/restart.js';
import { startJob } from '../jobs/start.js';
import { stopJob } from '../jobs/stop.js';
import { awaitingRelaunch } from '../jobs/rateLimit.js';
import type { JobRecord, Store } from '../store/index.js';
import type { FleetResult, LaunchRequest } from './data.js';
import type { LocalEnd } from './decide.js';
import { checkBranchPrefix } from './names.js';
import type { RepoCache } from './repoCache.js';

/**
 * The local side of a fleet job on the host that took it: its worktree and local start, waiting for its end,
 * ending it on a stop or a lost lock, and the runs a dead worker of this home left.
 */

const LOCAL_POLL_MS = 200;

/** A job its host refused to start completes with the refusal's reason. */
export const refusedResult = (host: string, attempt: number, e: DxError): FleetResult => ({
  host,
  attempt,
  branch: '',
  state: 'failed',
  reason_code: e.reasonCode,
  exit_code: null,
  commit: null,
  delivery: e.message,
});

/** A job stopped before any host ran it completes as stopped. */
export const stoppedBeforeStart = (host: string): FleetResult => ({
  host,
  attempt: 0,
  branch: '',
  state: 'killed',
  reason_code: 'manual_stop',
  exit_code: null,
  commit: null,
  delivery: null,
});

/**
 * In the worker's launcher (src/fleet/launcher.ts): makes the attempt's worktree from the shared remote and starts
 * it as a local job (`startJob`, the one way a job starts) whose branch is pushed when it succeeds, owned by the
 * worker.
 */
export async function launchLocal(
  store: Store,
  home: string,
  cache: RepoCache,
  request: LaunchRequest,
  env: NodeJS.ProcessEnv,
): Promise<{ job_id: number; branch: string }> {
  const { job: data, attempt, worker } = request;
  const branch = `${checkBranchPrefix(data.branchPrefix, DEFAULT_BRANCH_PREFIX)}/${data.beads}/a${attempt}`;
  const worktree = path.join(cache.dir, 'worktrees', `${data.beads}-a${attempt}`);
  await cache.addWorktree(data.repo, data.base, data.beads, worktree, branch);
  const local = await startJob(store, home, {
    beads: data.beads,
    prompt: data.prompt,
    provider: data.provider,
    model: data.model,
    fallback: 'none',
    worktree,
    deliver: 'push',
    remote: 'origin',
    verifyCmd: data.verifyCmd,
    // a 429 ends the local run at once: the pause is the fleet's, on the provider's queue for every host
    rateLimitRetries: 0,
    // the host's own cap of the provider, when lower than its slots, queues the job here
    waitSec: 3600,
    fleetWorker: worker,
    env,
    cwd: worktree,
  });
  return { job_id: local.id, branch };
}

/** The local job the launcher answered with, as this host's store has it. */
export function recordedLocal(store: Store, jobId: number, beads: string): JobRecord {
  const local = store.jobs.get(jobId);
  if (!local) throw new DxError('internal_error', `local job ${jobId} of ${beads} was not recorded`);
  return local;
}

/** How long a job that succeeded may take to be delivered (its supervisor pushes once the outcome is recorded). */
const DELIVERY_WAIT_MS = 120_000;

/**
 * Waits until the bead's local job has ended (its outcome recorded, no relaunch pending) and, when it succeeded
 * with a delivery to make, was delivered; reads its end.
 */
export async function localEnd(store: Store, beads: string): Promise<{ job: JobRecord; end: LocalEnd }> {
  let endedAt = 0;
  for (;;) {
    const job = store.jobs.latest(beads);
    const over = job && !job.active && !awaitingRelaunch(job);
    if (over) endedAt ||= Date.now();
    const delivering =
      over &&
      job.outcomeState === 'success' &&
      job.settings.delivery &&
      !job.delivery &&
      Date.now() - endedAt < DELIVERY_WAIT_MS;
    if (over && !delivering) {
      const hint = store.events
        .list(job.id)
        .filter((e) => e.kind === 'rate_limited')
        .map((e) => (e as { hint_sec: number | null }).hint_sec)
        .pop();
      const end: LocalEnd = {
        outcomeState: job.outcomeState,
        outcomeReason: job.outcomeReason,
        exitCode: job.exitCode,
        reportedCommit: job.reportedCommit,
        delivery: job.delivery?.detail ?? null,
        hintSec: hint ?? null,
      };
      return { job, end };
    }
    await sleep(LOCAL_POLL_MS);
  }
}

/** Ends the bead's local run with this outcome (a stop, a lost lock); nothing when it already ended. */
export async function endLocal(store: Store, beads: string, reason: string): Promise<void> {
  if (reason === 'manual_stop') {
    await stopJob(store, beads).catch(() => undefined);
    return;
  }
  const job = store.jobs.active(beads);
  if (job) await claimAndEnd(store, job, { state: 'killed', reasonCode: reason, exitCode: 137 });
}

/**
 * A worker that starts ends the fleet runs a dead worker of this home left (those in its worktrees folder; a
 * local job of the same home is left alone): the engine has freed their jobs (their locks expired), so another
 * host may run them now.
 */
export async function endOrphans(store: Store, worktrees: string): Promise<void> {
  for (const job of store.jobs.current(0).filter((j) => j.active && j.worktree.startsWith(`${worktrees}/`)))
    await claimAndEnd(store, job, { state: 'killed', reasonCode: 'fleet_lock_lost', exitCode: 137 });
}
