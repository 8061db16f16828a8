import type { JobEvent } from '../contract/events.js';
import { col, Table, type Db } from './db.js';

/** A job's append-only transition log: one row per event, its fields but `kind` kept as JSON. */
export const eventsTable = new Table(
  'job_events',
  {
    id: col.id(),
    jobId: col.int().references('jobs'),
    at: col.int(),
    kind: col.text<JobEvent['kind']>(),
    detail: col.json<Record<string, unknown>>().null(),
  },
  ['CREATE INDEX IF NOT EXISTS job_events_by_job ON job_events(job_id, id)'],
);

/** An event as read back: when it was recorded (epoch ms) first, then the event itself. */
export type RecordedEvent = { at: number } & JobEvent;

export class Events {
  constructor(private readonly db: Db) {}

  append(jobId: number, event: JobEvent): void {
    const { kind, ...detail } = event;
    eventsTable.inserter(this.db, ['jobId', 'at', 'kind', 'detail'])({ jobId, at: Date.now(), kind, detail });
  }

  /** A job's events, oldest first. */
  list(jobId: number): RecordedEvent[] {
    return eventsTable
      .all(this.db, 'SELECT * FROM job_events WHERE job_id = ? ORDER BY id', jobId)
      .map((e) => ({ at: e.at, kind: e.kind, ...e.detail }) as RecordedEvent);
  }
}
