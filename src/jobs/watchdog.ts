import type { HealthState } from '../health/index.js';
import { evaluate } from './evaluate.js';
import { finalizeJob } from './finalize.js';
import { claimAndEnd, restartRun } from './restart.js';
import { probeHealth } from '../server/index.js';
import { launchServer, readLaunch } from './launch.js';
import type { JobRecord, Store } from '../store/index.js';

export interface WatchdogAction {
  beads: string;
  state: HealthState;
  reason_code: string;
  /**
   * none · finalized (ended unseen) · restarted · blocked · skipped (another watchdog acted first) ·
   * waiting_for_server
   */
  action: 'none' | 'finalized' | 'restarted' | 'blocked' | 'skipped' | 'waiting_for_server';
  retry_count: number;
}

/** States the watchdog acts on: restart while retries remain, then block. */
const NEEDS_HELP: ReadonlySet<HealthState> = new Set(['stalled', 'no_op']);

/**
 * One watchdog pass over every live job. Each action starts by claiming the run in the store, so two
 * watchdogs running at once never restart (or block) one job twice.
 */
export async function watchdogPass(store: Store, home: string, maxRetries: number): Promise<WatchdogAction[]> {
  const actions: WatchdogAction[] = [];
  for (const job of store.jobs.current(0)) {
    const e = evaluate(job);
    const row = { beads: job.beads, state: e.health.state, reason_code: e.health.reasonCode, retry_count: job.retries };
    if (!e.alive) {
      actions.push({ ...row, action: finalizeJob(store, job) ? 'finalized' : 'skipped' });
    } else if (!NEEDS_HELP.has(e.health.state)) {
      actions.push({ ...row, action: 'none' });
    } else if (job.retries < maxRetries) {
      const next = await restartRun(store, home, job, 'watchdog_restart');
      actions.push({ ...row, action: next ? 'restarted' : 'skipped', retry_count: next?.retries ?? job.retries });
    } else {
      const blocked = await claimAndEnd(store, job, {
        state: 'blocked',
        reasonCode: `blocked_${e.health.reasonCode}`,
        exitCode: null,
      });
      actions.push({ ...row, action: blocked ? 'blocked' : 'skipped' });
    }
  }
  // jobs the shared server took down with it go again once it answers healthy (within their retries)
  for (const job of store.jobs.latestEndedWith('server_lost')) {
    if (job.retries >= maxRetries) continue;
    const row = {
      beads: job.beads,
      state: 'exited_err' as const,
      reason_code: 'server_lost',
      retry_count: job.retries,
    };
    if (!(await serverAnswers(job))) {
      actions.push({ ...row, action: 'waiting_for_server' });
      continue;
    }
    const next = await restartRun(store, home, job, 'server_back');
    actions.push({ ...row, action: next ? 'restarted' : 'skipped', retry_count: next?.retries ?? job.retries });
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
