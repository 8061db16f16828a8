import { restartReasonSchema, type RestartReason } from '../contract/events.js';
import { DxError } from '../core/errors.js';
import type { HealthState } from '../health/index.js';
import { evaluate } from './evaluate.js';
import { finalizeJob } from './finalize.js';
import { claimAndEnd, restartRun, type Relaunch } from './restart.js';
import { probeHealth } from '../server/index.js';
import { launchServer, readLaunch } from './launch.js';
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
