import { describe, expect, it } from 'vitest';
import { immediate, openDatabase, type Db } from '../../../src/store/db.js';
import { Events } from '../../../src/store/events.js';
import { Jobs } from '../../../src/store/jobs.js';
import { dbPath } from '../../../src/store/index.js';
import { newJob, openStore, tempHome } from './temp.js';

const CAP = 1;

/** A second process's connection that gives up at once instead of waiting for the lock. */
function impatient(home: string): { db: Db; jobs: Jobs } {
  const db = openDatabase(dbPath(home));
  db.pragma('busy_timeout = 0');
  return { db, jobs: new Jobs(db, new Events(db)) };
}

/** What a launch does under the lock: count the provider's live jobs, record one only below the cap. */
const launch = (db: Db, jobs: Jobs, beads: string) =>
  immediate(db, () => {
    if (jobs.activeOf('opencode').length >= CAP) return 'cap';
    jobs.insert(newJob(beads));
    return 'launched';
  });

describe('the provider cap is counted under the write lock', () => {
  it('a launch racing another cannot count until the first commits, and then sees its job', () => {
    const home = tempHome();
    const a = openStore(home);
    const b = impatient(home);
    try {
      const first = a.transaction(() => {
        const running = a.jobs.activeOf('opencode').length;
        // the second launch starts while the first has counted but not yet inserted
        expect(() => launch(b.db, b.jobs, 'bd-2')).toThrow(/database is locked/);
        a.jobs.insert(newJob('bd-1'));
        return running;
      });
      expect(first).toBe(0);
      expect(launch(b.db, b.jobs, 'bd-2')).toBe('cap');
      expect(a.jobs.activeOf('opencode').map((j) => j.beads)).toEqual(['bd-1']);
    } finally {
      b.db.close();
    }
  });

  it('a launch that fails inside the transaction leaves nothing behind', () => {
    const store = openStore();
    expect(() =>
      store.transaction(() => {
        store.jobs.insert(newJob('bd-1'));
        throw new Error('spawn refused');
      }),
    ).toThrow('spawn refused');
    expect(store.jobs.latest('bd-1')).toBeNull();
    expect(store.transaction(() => store.jobs.insert(newJob('bd-1')))).toBeGreaterThan(0);
  });
});
