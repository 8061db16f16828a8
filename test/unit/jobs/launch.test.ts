import fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { launchRun, type Launch } from '../../../src/jobs/launch.js';
import { dbPath } from '../../../src/store/index.js';
import { waitFor } from '../../helpers.js';
import { newJob, openStore, tempHome } from '../store/temp.js';

/** The live processes whose command line holds `marker` (a zombie's command line is empty). */
const running = (marker: string) =>
  fs.readdirSync('/proc').filter((pid) => {
    try {
      return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false; // ended while we looked
    }
  });

describe('a launch is all or nothing', () => {
  it('the database refuses the launched record: the agent is ended, the run recorded as spawn_failed', async () => {
    const home = tempHome();
    const store = openStore(home);
    const db = new Database(dbPath(home));
    db.exec(`CREATE TRIGGER refuse_launch BEFORE INSERT ON job_events WHEN NEW.kind = 'launched'
             BEGIN SELECT RAISE(ABORT, 'the launched record is refused'); END`);
    db.close();
    // a unique sleep: the agent's processes are found by their command line
    const marker = `4242.${process.pid}`;
    const { beads: _, runInstance: __, dir: ___, startedAt: ____, host: _____, ...rest } = newJob('bd-launch');
    const launch: Launch = {
      run: { ...rest, beads: 'bd-launch', worktree: home },
      prompt: 'wait\n',
      spec: { command: 'sleep', args: [marker], env: process.env },
    };

    expect(() => launchRun(store, home, launch)).toThrow(
      expect.objectContaining({ reasonCode: 'spawn_failed', message: expect.stringContaining('refused') }),
    );
    expect(store.jobs.latest('bd-launch')).toMatchObject({
      active: false,
      outcomeState: 'failed',
      outcomeReason: 'spawn_failed',
    });
    await waitFor('the agent to be gone', () => running(marker).length === 0);
  });
});
