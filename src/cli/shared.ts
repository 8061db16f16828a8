import { Store, type JobRecord } from '../store/index.js';
import { runnerHome } from '../core/home.js';
import { validateBeadsId } from '../jobs/validate.js';
import { DxError } from '../core/errors.js';
import { parseNumber, type Bounds } from '../core/input.js';
import type { Health } from '../health/index.js';
import type { StopOutput } from '../report/schemas.js';
import type { JobEnded } from '../jobs/restart.js';

export const print = (s: string) => process.stdout.write(`${s}\n`);
export const printJson = (v: unknown) => print(JSON.stringify(v, null, 2));

/** Opens the store for one command and closes it when the command (sync or async) is done. */
export async function withStore<T>(fn: (store: Store, home: string) => T | Promise<T>): Promise<T> {
  const home = runnerHome();
  const store = new Store(home);
  try {
    return await fn(store, home);
  } finally {
    store.close();
  }
}

export function jobFor(store: Store, beads: string | undefined): JobRecord {
  const id = validateBeadsId(beads);
  const job = store.jobs.latest(id);
  if (!job) throw new DxError('no_meta', `no job recorded for bead ${id}; check the id with: dx-runner status`);
  return job;
}

/** commander's parser of a numeric flag: the number, or `invalid_argument` naming the flag and its range. */
export const number = (flag: string, bounds: Bounds) => (v: string) => parseNumber(flag, v, bounds);

/** commander's parser of a flag that names something (a model, a URL): blank text is refused, not passed on. */
export const nonBlank = (flag: string) => (v: string) => {
  if (v.trim() === '') throw new DxError('invalid_argument', `${flag} is empty; give a value or leave the flag out`);
  return v;
};

/** What stop and finalize print with --json: the job as it ended, and what ending it ended. */
export const endedOutput = (job: JobRecord, health: Health, ended: JobEnded | null): StopOutput => ({
  beads: job.beads,
  state: health.state,
  reason_code: health.reasonCode,
  exit_code: job.exitCode,
  ended: ended && {
    processes: ended.processes,
    outside_group: ended.outsideGroup,
    sessions_aborted: ended.sessionsAborted,
    left: ended.left,
  },
});

/** stop's words for what it ended, when that went beyond the agent's process group */
export const endedNote = (e: JobEnded | null): string =>
  e && (e.outsideGroup > 0 || e.sessionsAborted > 0 || e.left > 0)
    ? ` ended=${e.processes} outside_group=${e.outsideGroup} sessions_aborted=${e.sessionsAborted}` +
      (e.left > 0 ? ` left=${e.left}` : '')
    : '';
