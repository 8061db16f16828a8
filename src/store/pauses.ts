import { col, immediate, Table, type Db, type RecordOf } from './db.js';

/**
 * Providers paused on this host after a 429: one row per provider, kept after the pause ends (its attempt
 * decides the next pause's length). New work on the provider waits until `until`.
 */
export const pausesTable = new Table(
  'provider_pauses',
  {
    id: col.id(),
    provider: col.text(),
    /** epoch ms */
    until: col.int(),
    /** the reason code that paused it (`opencode_rate_limited`) */
    reason: col.text(),
    /** 429s in a row */
    attempt: col.int(),
  },
  ['CREATE UNIQUE INDEX IF NOT EXISTS provider_pauses_by_provider ON provider_pauses(provider)'],
);

export type PauseRecord = RecordOf<typeof pausesTable.columns>;
type PauseFields = Pick<PauseRecord, 'until' | 'reason' | 'attempt'>;

export class Pauses {
  constructor(private readonly db: Db) {}

  get(provider: string): PauseRecord | null {
    return pausesTable.one(this.db, 'SELECT * FROM provider_pauses WHERE provider = ?', provider);
  }

  /** Pauses still running at `now`, by provider name. */
  active(now: number): PauseRecord[] {
    return pausesTable.all(this.db, 'SELECT * FROM provider_pauses WHERE until > ? ORDER BY provider', now);
  }

  /** Sets the provider's pause from the one it had (`next` decides), atomically: two 429s at once count twice. */
  record(provider: string, next: (prev: PauseFields | null) => PauseFields): PauseFields {
    return immediate(this.db, () => {
      const prev = this.get(provider);
      const p = next(prev);
      if (prev) pausesTable.update(this.db, prev.id, p);
      else pausesTable.inserter(this.db, ['provider', 'until', 'reason', 'attempt'])({ provider, ...p });
      return p;
    });
  }
}
