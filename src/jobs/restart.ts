import { DxError, isReason } from '../core/errors.js';
import type { RestartReason } from '../contract/events.js';
import type { Outcome } from '../health/index.js';
import { finalizeJob } from './finalize.js';
import { isAlive, terminateGroup } from './process.js';
import { launchRun, readLaunch, type Launch } from './launch.js';
import type { JobRecord, Store } from '../store/index.js';

/**
 * Takes a live run out of service: its outcome is written first (only one caller can), then its
 * process group is ended. Returns false when someone else (a second watchdog, stop) got there first.
 */
export async function claimAndEnd(store: Store, job: JobRecord, outcome: Outcome): Promise<boolean> {
  const alive = isAlive(job.pid, job.pidStart);
  // a run that already ended by itself keeps its real outcome
  if (!finalizeJob(store, job, alive ? outcome : undefined)) return false;
  if (alive && job.pid) await terminateGroup(job.pid);
  return true;
}

/**
 * Relaunches a bead's run exactly as it was recorded (command, environment, prompt, worktree,
 * thresholds), as a new run with retries + 1. The mutation baseline stays the first run's, so
 * work done by earlier attempts still counts. Returns null when another caller restarted it first.
 */
export async function restartRun(
  store: Store,
  home: string,
  job: JobRecord,
  reason: RestartReason,
): Promise<JobRecord | null> {
  let launch: Launch;
  try {
    launch = readLaunch(job);
  } catch {
    throw new DxError(
      'launch_record_missing',
      `the launch record of ${job.beads} is gone (run folder rotated or deleted); start it again with dx-runner start`,
    );
  }
  if (job.active && !(await claimAndEnd(store, job, { state: 'killed', reasonCode: reason, exitCode: 137 })))
    return null;
  let next: JobRecord;
  try {
    next = launchRun(store, home, { ...launch, run: { ...launch.run, retries: job.retries + 1 } }, job.id);
  } catch (e) {
    if (isReason(e, 'restart_in_progress')) return null;
    throw e;
  }
  store.events.append(next.id, {
    kind: 'restarted',
    reason_code: reason,
    previous_run: job.runInstance,
    retry: next.retries,
  });
  return next;
}
