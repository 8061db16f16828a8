import { classifyHealth, nextActionFor, type Health } from '../health/index.js';
import { pausedNextAction } from './backoff.js';
import type { PendingOutcome } from './finalize.js';
import { isAlive } from './process.js';
import { outcomeOf, type JobRecord } from '../store/index.js';

export interface Evaluated {
  job: JobRecord;
  health: Health;
  nextAction: string;
  alive: boolean;
}

/** When the provider's rate-limit pause ends, for the next action of a paused job. */
export type PauseUntil = (provider: string) => number | undefined;

/**
 * Health of a job, read-only, from whether its process lives and, for an ended job nobody finalized yet, the
 * outcome finalization would record (`pending`).
 */
export function judge(
  job: JobRecord,
  alive: boolean,
  pending: PendingOutcome | null,
  now: number,
  pauseUntil?: PauseUntil,
): Evaluated {
  const seen = pending
    ? { ...job, mutations: pending.mutations, outputBytes: pending.outputBytes, gates: pending.verdicts }
    : job;
  const health = classifyHealth({
    now,
    job: { ...seen, outcome: outcomeOf(seen) },
    alive,
    pendingOutcome: pending?.outcome ?? null,
    thresholds: seen.settings,
  });
  const until = health.state === 'paused' ? pauseUntil?.(job.provider) : undefined;
  const nextAction = until ? pausedNextAction(until, now) : nextActionFor(health.reasonCode, health.state);
  return { job: seen, health, alive, nextAction };
}

/**
 * `evaluate` of each job for the commands that read them (check, status, report). What judging an ended,
 * unfinalized job takes (the provider's output parser, git, the post-job gates) is loaded only when one is
 * among them: the usual read loads no provider adapter and no governance.
 */
export async function evaluateJobs(jobs: JobRecord[], now = Date.now(), pauseUntil?: PauseUntil) {
  const alive = jobs.map((j) => j.active && isAlive(j.pid, j.pidStart));
  const ended = (i: number) => jobs[i].active && !alive[i];
  const pendingOf = jobs.some((_, i) => ended(i)) ? (await import('./finalize.js')).pendingOutcome : null;
  return jobs.map((j, i) => judge(j, alive[i], pendingOf && ended(i) ? pendingOf(j) : null, now, pauseUntil));
}
