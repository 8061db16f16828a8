import { classifyHealth, nextActionFor, type Health } from '../health/index.js';
import { pendingOutcome } from './finalize.js';
import { isAlive } from './process.js';
import { outcomeOf, type JobRecord } from '../store/index.js';

export interface Evaluated {
  job: JobRecord;
  health: Health;
  nextAction: string;
  alive: boolean;
}

/** Health of a job, read-only: nothing is written, whatever is found. */
export function evaluate(job: JobRecord, now = Date.now()): Evaluated {
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
  return { job: seen, health, alive, nextAction: nextActionFor(health.reasonCode, health.state) };
}
