import { restartReasonSchema, type RestartReason } from '../contract/events.js';
import { DxError } from '../core/errors.js';
import type { HealthState } from '../health/index.js';
import { evaluate } from './evaluate.js';
import { finalizeJob } from './finalize.js';
import { claimAndEnd, restartRun, type Relaunch } from './restart.js';
import { probeHealth } from '../server/index.js';
import { launchServer, readLaunch } from './launch.js';
import { isSupervisorOf } from './process.js';
import { RATE_LIMIT_BACKOFF } from '../health/index.js';
import { RATE_LIMIT_RELAUNCH } from './rateLimit.js';
import type { JobRecord, Store } from '../store/index.js';

export interface WatchdogAction {
  beads: string;
  state: HealthState;
  reason_code: string;
  /**
   * none · finalized (ended unseen) · restarted · blocked · skipped (another watchdog acted first) ·
   * waiting_for_server · waiting_for_slot (the provider is at its cap: relaunched when a slot frees) ·
   * refused (the relaunch cannot be made: reason_code says why)
   */
  action:
    'none' | 'finalized' | 'restarted' | 'blocked' | 'skipped' | 'waiting_for_server' | 'waiting_for_slot' | 'refused';
  retry_count: number;
}

/** States the watchdog acts on: restart while retries remain, then block. */
const NEEDS_HELP: ReadonlySet<HealthState> = new Set(['stalled', 'no_op']);

/** Pure: what the watchdog does with a live job, from its health. */
export function liveStep(
  e: { alive: boolean; state: HealthState },
  retries: number,
  maxRetries: number,
): 'finalize' | 'none' | 'restart' | 'block' {
  if (!e.alive) return 'finalize';
  if (!NEEDS_HELP.has(e.state)) return 'none';
  return retries < maxRetries ? 'restart' : 'block';
}

/**
 * Pure: does a bead's newest run, ended with `reason`, still owe a relaunch? A restart ended it and no newer run
 * exists (the provider was at its cap): yes, whatever the retries, the restart was already granted. The shared
 * server took it down: yes, within the retries.
 */
export function owesRelaunch(reason: string, retries: number, maxRetries: number): 'relaunch' | 'server' | 'no' {
  if ((restartReasonSchema.options as string[]).includes(reason)) return 'relaunch';
  return reason === 'server_lost' && retries < maxRetries ? 'server' : 'no';
}

/**
 * Pure: what the watchdog does with a bead's newest run that a rate-limit pause ended (`rate_limit_backoff`, or
 * `rate_limit_relaunch` once its relaunch claimed it). Its supervisor waits out the pause and relaunches it; only
 * when that supervisor is gone (killed) does the watchdog relaunch it, once the pause is over.
 */
export function pausedStep(supervisorAlive: boolean, pauseOver: boolean): 'none' | 'wait' | 'relaunch' {
  if (supervisorAlive) return 'none';
  return pauseOver ? 'relaunch' : 'wait';
}

type Row = Omit<WatchdogAction, 'action'>;

/** A relaunch's action row; a refused one is said, not thrown: one job's trouble never stops the watchdog. */
async function relaunch(row: Row, attempt: () => Promise<Relaunch>): Promise<WatchdogAction> {
  let done: Relaunch;
  try {
    done = await attempt();
  } catch (e) {
    if (!(e instanceof DxError)) throw e;
    return { ...row, reason_code: e.reasonCode, action: 'refused' };
  }
  if (!done) return { ...row, action: 'skipped' };
  if ('waiting' in done) return { ...row, reason_code: done.waiting.reasonCode, action: 'waiting_for_slot' };
  return { ...row, action: 'restarted', retry_count: done.run.retries };
}

/**
 * One watchdog pass over every live job, then over the runs that still owe a relaunch. Each action starts by
 * claiming the run in the store, so two watchdogs running at once never restart (or block) one job twice.
 */
export async function watchdogPass(store: Store, home: string, maxRetries: number): Promise<WatchdogAction[]> {
  const actions: WatchdogAction[] = [];
  for (const job of store.jobs.current(0)) {
    const e = evaluate(job);
    const row = { beads: job.beads, state: e.health.state, reason_code: e.health.reasonCode, retry_count: job.retries };
    const step = liveStep({ alive: e.alive, state: e.health.state }, job.retries, maxRetries);
    if (step === 'finalize') actions.push({ ...row, action: finalizeJob(store, job) ? 'finalized' : 'skipped' });
    else if (step === 'none') actions.push({ ...row, action: 'none' });
    else if (step === 'restart')
      actions.push(await relaunch(row, () => restartRun(store, home, job, 'watchdog_restart')));
    else {
      const blocked = await claimAndEnd(store, job, {
        state: 'blocked',
        reasonCode: `blocked_${e.health.reasonCode}`,
        exitCode: null,
      });
      actions.push({ ...row, action: blocked ? 'blocked' : 'skipped' });
    }
  }
  const ended = ['server_lost', ...restartReasonSchema.options].flatMap((r) => store.jobs.latestEndedWith(r));
  for (const job of ended) {
    const reason = job.outcomeReason ?? '';
    const owed = owesRelaunch(reason, job.retries, maxRetries);
    if (owed === 'no') continue;
    const row = { beads: job.beads, state: evaluate(job).health.state, reason_code: reason, retry_count: job.retries };
    // jobs the shared server took down with it go again once it answers healthy
    if (owed === 'server' && !(await serverAnswers(job))) {
      actions.push({ ...row, action: 'waiting_for_server' });
      continue;
    }
    const why = owed === 'server' ? 'server_back' : (reason as RestartReason);
    actions.push(await relaunch(row, () => restartRun(store, home, job, why)));
  }
  actions.push(...(await orphanedPauses(store, home)));
  return actions;
}

/** Paused runs whose supervisor died: relaunched once their provider's pause is over, claimed like a relaunch. */
async function orphanedPauses(store: Store, home: string): Promise<WatchdogAction[]> {
  const actions: WatchdogAction[] = [];
  const paused = [RATE_LIMIT_BACKOFF, RATE_LIMIT_RELAUNCH].flatMap((r) => store.jobs.latestEndedWith(r));
  for (const job of paused) {
    const pauseOver = Date.now() >= (store.pauses.get(job.provider)?.until ?? 0);
    const step = pausedStep(isSupervisorOf(job.supervisorPid, job.id), pauseOver);
    if (step === 'none') continue;
    const row = {
      beads: job.beads,
      state: 'paused' as const,
      reason_code: RATE_LIMIT_BACKOFF,
      retry_count: job.retries,
    };
    if (step === 'wait') {
      actions.push({ ...row, action: 'none' });
      continue;
    }
    const relaunching = { state: 'killed', reasonCode: RATE_LIMIT_RELAUNCH, exitCode: null } as const;
    if (job.outcomeReason === RATE_LIMIT_BACKOFF && !store.jobs.endPaused(job.id, RATE_LIMIT_BACKOFF, relaunching)) {
      actions.push({ ...row, action: 'skipped' });
      continue;
    }
    const claimed = store.jobs.get(job.id) as JobRecord;
    actions.push(await relaunch(row, () => restartRun(store, home, claimed, 'rate_limited')));
  }
  return actions;
}

/** Is the server a job ran against healthy again (its URL and credentials come from the run's launch record)? */
async function serverAnswers(job: JobRecord): Promise<boolean> {
  try {
    const server = launchServer(readLaunch(job).spec);
    return !!server && !!(await probeHealth(server.url, server.password ?? ''))?.healthy;
  } catch {
    return false;
  }
}
