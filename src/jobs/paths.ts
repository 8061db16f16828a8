import path from 'node:path';
import type { JobRecord } from '../store/index.js';

export interface JobFiles {
  dir: string;
  /** the agent's stdout (OpenCode: one JSON event per line) */
  out: string;
  /** the agent's stderr */
  err: string;
  /** `<exit code> <epoch seconds>`, written by the launch wrapper when the agent exits */
  rc: string;
}

export const filesIn = (dir: string): JobFiles => ({
  dir,
  out: path.join(dir, 'agent.out'),
  err: path.join(dir, 'agent.err'),
  rc: path.join(dir, 'rc'),
});

export const filesOf = (job: Pick<JobRecord, 'dir'>): JobFiles => filesIn(job.dir);

export const jobDir = (home: string, beads: string, runInstance: string) => path.join(home, 'jobs', beads, runInstance);
