import { Store, type JobRecord } from '../jobs/store.js';
import { runnerHome } from '../jobs/paths.js';
import { validateBeadsId } from '../jobs/validate.js';
import { CliError, EXIT, usageError } from './errors.js';

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
  const job = store.latestJob(id);
  if (!job) throw new CliError('no_meta', `no job recorded for bead ${id}; check the id with: dx-runner status`, EXIT.error);
  return job;
}

export const number = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw usageError('invalid_number', `${flag} takes a number, got '${v}'`);
  return n;
};


/** The `--<cli>-bin` flags, and the providers whose CLI each one names. */
export interface BinaryFlags {
  opencodeBin?: string;
  claudeBin?: string;
  geminiBin?: string;
}
const BINARY_FLAG_OF: Record<string, keyof BinaryFlags> = { opencode: 'opencodeBin', 'cc-glm': 'claudeBin', 'claude-code': 'claudeBin', gemini: 'geminiBin' };

/** The binary a command was told to run for this provider (a flag for another provider's CLI does not apply). */
export const explicitBinary = (provider: string, o: BinaryFlags): string | undefined => o[BINARY_FLAG_OF[provider]];
