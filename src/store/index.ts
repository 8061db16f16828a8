import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import { runnerHome } from '../core/home.js';
import { immediate, unusableDatabase, type Db, type Migration } from './db.js';
import { openState } from './open.js';
import { Events, eventsTable } from './events.js';
import { Jobs, jobsTable } from './jobs.js';
import { Pauses, pausesTable } from './pauses.js';
import { Servers, serversTable } from './servers.js';
import { Waves, waveItemsTable, wavesTable } from './waves.js';

export type { RecordedEvent } from './events.js';
export { NEW_JOB_FIELDS, outcomeOf } from './jobs.js';
export type { DeliveryFields, FleetWorkerRef, JobRecord, JobSettings, NewJob, VerifyResult } from './jobs.js';
export type { PostJobGate, PostJobGates } from '../contract/gates.js';
export type { PauseRecord } from './pauses.js';
export type { ServerRecord } from './servers.js';
export type { ItemSpec, ItemState, WaveItemRecord, WaveItemUpdate, WaveRecord, WaveState } from './waves.js';

/** One SQLite file in the dx-runner home, job logs beside it. */
export const dbPath = (home: string) => path.join(home, 'state.db');

const TABLES = [jobsTable, eventsTable, serversTable, wavesTable, waveItemsTable, pausesTable];

/**
 * The schema versions. Versions 1 to 6 only added tables, indexes and columns (6: provider_pauses, and a
 * job's commit policy, commit, branch, verification and delivery), so one step that creates whatever is missing
 * brings a store of any of them (or a new file) to 6. A change it cannot express (a rename, a backfill) becomes
 * the next version's own migration.
 */
const MIGRATIONS: readonly Migration[] = [{ version: 6, up: (db) => TABLES.forEach((t) => t.ensure(db)) }];

/** The schema version this dx-runner writes (SQLite's `user_version`). */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * A fault of the state home met anywhere in a command (its disk full, its database damaged or read-only
 * mid-run) as the refusal that names the way out; null for any other error.
 */
export function stateFault(e: unknown, home = runnerHome()): DxError | null {
  const refusal = unusableDatabase(dbPath(home), e);
  return refusal instanceof DxError ? refusal : null;
}

/** The state database: each domain's table and transitions, as `store.jobs`, `store.events`, … */
export class Store {
  readonly jobs: Jobs;
  readonly events: Events;
  readonly servers: Servers;
  readonly waves: Waves;
  readonly pauses: Pauses;
  private readonly db: Db;

  constructor(home: string) {
    this.db = openState(home, dbPath(home), MIGRATIONS);
    this.events = new Events(this.db);
    this.jobs = new Jobs(this.db, this.events);
    this.servers = new Servers(this.db);
    this.waves = new Waves(this.db);
    this.pauses = new Pauses(this.db);
  }

  close(): void {
    this.db.close();
  }

  /**
   * A consistent copy of the database while others use it (SQLite's online backup), into `file`, which must
   * not exist: it is made 0600 first, and removed again if the copy fails.
   */
  async backup(file: string): Promise<void> {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
    try {
      await this.db.backup(file);
    } catch (e) {
      fs.rmSync(file, { force: true });
      throw e;
    }
  }

  /** One write transaction (BEGIN IMMEDIATE) around several steps: a check and the write it allows stay atomic. */
  transaction<T>(fn: () => T): T {
    return immediate(this.db, fn);
  }
}
