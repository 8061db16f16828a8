import { pendingOutcome } from './finalize.js';
import { judge, type Evaluated, type PauseUntil } from './judge.js';
import { isAlive } from './process.js';
import type { JobRecord } from '../store/index.js';

export type { Evaluated } from './judge.js';

/**
 * Health of a job, read-only: nothing is written, whatever is found. `pauseUntil`: when the provider's rate-limit
 * pause ends, for the next action of a paused job.
 */
export function evaluate(job: JobRecord, now = Date.now(), pauseUntil?: PauseUntil): Evaluated {
  const alive = job.active && isAlive(job.pid, job.pidStart);
  // the rare path (an ended job nobody finalized yet) reads the files and git to say how it will end
  return judge(job, alive, job.active && !alive ? pendingOutcome(job) : null, now, pauseUntil);
}
