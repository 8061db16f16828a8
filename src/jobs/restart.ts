import { DxError, hasKind, isReason } from '../core/errors.js';
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

/** What a relaunch came to: the new run, a wait for a slot under the provider's cap, or (null) another caller's. */
export type Relaunch = { run: JobRecord } | { waiting: DxError } | null;

/**
 * Relaunches a bead's run exactly as it was recorded (command, environment, prompt, worktree,
 * thresholds), as a new run with retries + 1. The mutation baseline stays the first run's, so
 * work done by earlier attempts still counts. A live run is ended first; when the provider is then at its cap
 * (another start took the slot), the run stays ended with no successor and its relaunch waits for a slot
 * (a `relaunch_waiting` event): calling this again on it relaunches it once there is room.
 */
export async function restartRun(store: Store, home: string, job: JobRecord, reason: RestartReason): Promise<Relaunch> {
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
    if (!hasKind(e, 'capacity')) throw e;
    // said once per wait, not at every pass that finds the provider still full
    if (store.events.list(job.id).at(-1)?.kind !== 'relaunch_waiting')
      store.events.append(job.id, {
        kind: 'relaunch_waiting',
        reason_code: e.reasonCode,
        provider: job.provider,
        cap: launch.run.settings.maxParallel,
      });
    return { waiting: e };
  }
  store.events.append(next.id, {
    kind: 'restarted',
    reason_code: reason,
    previous_run: job.runInstance,
    retry: next.retries,
  });
  return { run: next };
}
