import { DxError, hasKind, isReason } from '../core/errors.js';
import type { RestartReason } from '../contract/events.js';
import type { Outcome } from '../health/index.js';
import { finalizeJob } from './finalize.js';
import { isAlive } from './process.js';
import { launchRun, launchServer, readLaunch, type Launch } from './launch.js';
import { endRun, type RunEnded } from './reap.js';
import { runOnServer } from '../server/abort.js';
import type { JobRecord, Store } from '../store/index.js';

export interface JobEnded extends RunEnded {
  /** the run's sessions aborted on the shared server (attach and server lanes) */
  sessionsAborted: number;
}

/**
 * Ends all of a run: every process it started, wherever it moved (`endRun`), and on the attach and server
 * lanes (unless `sessions` is false) its session on the shared server, aborted while its processes are stopped.
 * Records a `run_ended` event when it ended anything; cheap when nothing is left (one walk of /proc).
 */
export async function endJobRun(store: Store, job: JobRecord, sessions = true): Promise<JobEnded> {
  let sessionsAborted = 0;
  let onServer: { sessions: ReturnType<typeof runOnServer>; ids: string[] } | undefined;
  const abortSessions = async () => {
    if (!sessions) return;
    let server: ReturnType<typeof launchServer>;
    try {
      server = launchServer(readLaunch(job).spec);
    } catch {
      return; // no launch record (its folder rotated away): no server known
    }
    if (!server) return;
    // the supervisor may have recorded the session id since `job` was read
    const sessionId = store.jobs.get(job.id)?.sessionId ?? job.sessionId;
    const run = { sessionId, title: job.beads, worktree: job.worktree, startedAt: job.startedAt };
    const onThatServer = runOnServer(server.url, server.password, run);
    const { ids, aborted } = await onThatServer.abort();
    sessionsAborted = aborted.length;
    onServer = { sessions: onThatServer, ids };
  };
  const ended = await endRun(job, undefined, abortSessions);
  // a prompt the client sent just before it was frozen can start a turn after the abort: watch for it
  if (onServer) await onServer.sessions.settle(onServer.ids);
  if (ended.processes > 0 || sessionsAborted > 0)
    store.events.append(job.id, {
      kind: 'run_ended',
      processes: ended.processes,
      outside_group: ended.outsideGroup,
      sessions_aborted: sessionsAborted,
      left: ended.left,
    });
  return { ...ended, sessionsAborted };
}

/**
 * Takes a live run out of service: its outcome is written first (only one caller can), then all of it is
 * ended (`endJobRun`). Returns what was ended, or null when someone else (a second watchdog, stop) got there
 * first.
 */
export async function claimAndEnd(store: Store, job: JobRecord, outcome: Outcome): Promise<JobEnded | null> {
  const alive = isAlive(job.pid, job.pidStart);
  // a run that already ended by itself keeps its real outcome
  if (!finalizeJob(store, job, alive ? outcome : undefined)) return null;
  return endJobRun(store, job);
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
