import { Store, type JobRecord } from '../store/index.js';
import { runnerHome } from '../core/home.js';
import { validateBeadsId } from '../jobs/validate.js';
import { DxError } from '../core/errors.js';
import type { Health } from '../health/index.js';
import type { StopOutput } from '../report/schemas.js';

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

export const number = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new DxError('invalid_number', `${flag} takes a number, got '${v}'`);
  return n;
};

/** What stop and finalize print with --json: the job as it ended. */
export const endedOutput = (job: JobRecord, health: Health): StopOutput => ({
  beads: job.beads,
  state: health.state,
  reason_code: health.reasonCode,
  exit_code: job.exitCode,
});
