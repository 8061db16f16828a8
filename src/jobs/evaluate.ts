import { classifyHealth, nextActionFor, type Health } from '../health/index.js';
import { pausedNextAction } from './backoff.js';
import { pendingOutcome } from './finalize.js';
import { isAlive } from './process.js';
import { outcomeOf, type JobRecord } from '../store/index.js';

export interface Evaluated {
  job: JobRecord;
  health: Health;
  nextAction: string;
  alive: boolean;
}

/**
 * Health of a job, read-only: nothing is written, whatever is found. `pauseUntil`: when the provider's rate-limit
 * pause ends, for the next action of a paused job.
 */
export function evaluate(
  job: JobRecord,
  now = Date.now(),
  pauseUntil?: (provider: string) => number | undefined,
): Evaluated {
  const alive = job.active && isAlive(job.pid, job.pidStart);
  // the rare path (an ended job nobody finalized yet) reads the files and git to say how it will end
  const pending = job.active && !alive ? pendingOutcome(job) : null;
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
