import fs from 'node:fs';
import path from 'node:path';
import { immediate, migrate, openDatabase, unusableDatabase, type Db, type Migration } from './db.js';
import { Events, eventsTable } from './events.js';
import { Jobs, jobsTable } from './jobs.js';
import { Servers, serversTable } from './servers.js';
import { Waves, waveItemsTable, wavesTable } from './waves.js';

export type { RecordedEvent } from './events.js';
export { NEW_JOB_FIELDS, outcomeOf } from './jobs.js';
export type { JobRecord, JobSettings, NewJob } from './jobs.js';
export type { PostJobGate, PostJobGates } from '../contract/gates.js';
export type { ServerRecord } from './servers.js';
export type { ItemSpec, ItemState, WaveItemRecord, WaveItemUpdate, WaveRecord, WaveState } from './waves.js';

/** One SQLite file in the dx-runner home, job logs beside it. */
export const dbPath = (home: string) => path.join(home, 'state.db');

const TABLES = [jobsTable, eventsTable, serversTable, wavesTable, waveItemsTable];

/**
 * The schema versions. Versions 1 to 6 only added tables, indexes and columns (6: the jobs' delivery), so one
 * step that creates whatever is missing brings a store of any of them (or a new file) to 6. A change it cannot
 * express (a rename, a backfill) becomes the next version's own migration.
 */
const MIGRATIONS: readonly Migration[] = [{ version: 6, up: (db) => TABLES.forEach((t) => t.ensure(db)) }];

/** The state database: each domain's table and transitions, as `store.jobs`, `store.events`, … */
export class Store {
  readonly jobs: Jobs;
  readonly events: Events;
  readonly servers: Servers;
  readonly waves: Waves;
  private readonly db: Db;

  constructor(home: string) {
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    const file = dbPath(home);
    try {
      this.db = openDatabase(file);
      migrate(this.db, MIGRATIONS); // the first write: where a read-only database says so
    } catch (e) {
      throw unusableDatabase(file, e);
    }
    this.events = new Events(this.db);
    this.jobs = new Jobs(this.db, this.events);
    this.servers = new Servers(this.db);
    this.waves = new Waves(this.db);
  }

  close(): void {
    this.db.close();
  }

  /** One write transaction (BEGIN IMMEDIATE) around several steps: a check and the write it allows stay atomic. */
  transaction<T>(fn: () => T): T {
    return immediate(this.db, fn);
  }
}
