import { spawn } from 'node:child_process';
import path from 'node:path';
import { CLI_ENTRY } from '../core/detached.js';
import { DxError } from '../core/errors.js';
import { kindOf, type ReasonCode } from '../core/reasons.js';
import { sleep } from '../core/time.js';
import { DEFAULT_BRANCH_PREFIX } from '../contract/delivery.js';
import { claimAndEnd } from '../jobs/restart.js';
import { startJob } from '../jobs/start.js';
import { stopJob } from '../jobs/stop.js';
import { awaitingRelaunch } from '../jobs/rateLimit.js';
import { createWorktree } from '../jobs/worktree.js';
import { errorSchema } from '../report/schemas.js';
import type { FleetWorkerRef, JobRecord, Store } from '../store/index.js';
import { localStartedSchema, localStartSchema, type FleetJobData, type FleetResult } from './data.js';
import type { LocalStart, LocalStarted } from './data.js';
import type { LocalEnd } from './decide.js';
import { checkBranchPrefix } from './names.js';
import type { RepoCache } from './repoCache.js';
import type { WorkerOptions } from './worker.js';

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
 * Makes the attempt's worktree from the shared remote (git in child processes) and starts it as a local job
 * whose branch is pushed, in a process of its own (`startLocalRun` there): a start checks and records the job
 * with sync git and SQLite for seconds on a loaded host, which would stall the worker's lock renewals.
 */
export async function launchLocal(
  store: Store,
  o: WorkerOptions,
  cache: RepoCache,
  data: FleetJobData,
  attempt: number,
  worker: FleetWorkerRef | undefined,
): Promise<{ local: JobRecord; branch: string }> {
  const branch = `${checkBranchPrefix(data.branchPrefix, DEFAULT_BRANCH_PREFIX)}/${data.beads}/a${attempt}`;
  const { clone, commit } = await cache.baseCommit(data.repo, data.base);
  const worktree = path.join(o.repoCache, 'worktrees', `${data.beads}-a${attempt}`);
  await createWorktree(data.beads, worktree, { repo: clone, base: commit, branch });
  const { job_id } = await startOffLoop({ job: data, worktree, ...(worker ? { worker } : {}) }, o);
  const local = store.jobs.get(job_id);
  if (!local) throw new DxError('internal_error', `local job ${job_id} of ${data.beads} was not recorded`);
  return { local, branch };
}

/** Runs `dx-runner __fleet-launch --json` with the start on its stdin; its refusal comes back as a DxError. */
const startOffLoop = async (start: LocalStart, o: WorkerOptions): Promise<LocalStarted> =>
  localStartedSchema.parse(
    await callSelf(
      '__fleet-launch',
      start,
      { ...o.env, DX_RUNNER_HOME: o.home },
      `the local start of ${start.job.beads}`,
    ),
  );

/**
 * Runs `dx-runner <command> --json` in a process of its own, `input` on its stdin, and gives its answer; its
 * refusal comes back as a DxError. Sync git and SQLite work goes there, off the worker's event loop (its lock
 * renewals).
 */
export function callSelf(command: string, input: unknown, env: NodeJS.ProcessEnv, what: string): Promise<unknown> {
  const child = spawn(process.execPath, [CLI_ENTRY, command, '--json'], {
    env: { ...env, DX_RUNNER_QUIET: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stdin.end(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        const answer: unknown = JSON.parse(out);
        if (code === 0) return resolve(answer);
        const { reason_code, message } = errorSchema.parse(answer).error;
        reject(new DxError(kindOf(reason_code) ? (reason_code as ReasonCode) : 'internal_error', message));
      } catch {
        reject(new DxError('internal_error', `${what} ended ${code} without an answer`));
      }
    });
  });
}

/**
 * In the process `launchLocal` started: starts the attempt's local job (`startJob`, the one way a job starts)
 * in its worktree, its branch pushed when it succeeds, owned by the worker.
 */
export async function startLocalRun(store: Store, home: string, input: unknown, env: NodeJS.ProcessEnv) {
  const { job: data, worktree, worker } = localStartSchema.parse(input);
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
  return { job_id: local.id } satisfies LocalStarted;
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
