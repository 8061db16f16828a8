import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { dbPath, Store, type NewJob } from '../../../src/store/index.js';
import { tmpDir } from '../../helpers.js';

/** Homes and stores of the current test, removed and closed after it. */
const homes: string[] = [];
const stores: Store[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const h of homes.splice(0)) fs.rmSync(h, { recursive: true, force: true });
});

export function tempHome(): string {
  const home = tmpDir('store');
  homes.push(home);
  return home;
}

/** A store on `home`: each is its own SQLite connection, as each dx-runner process has. */
export function openStore(home = tempHome()): Store {
  const store = new Store(home);
  stores.push(store);
  return store;
}

/** A home whose state database is the SQL of `test/fixtures/<name>`, as an older dx-runner left it. */
export function homeFrom(fixture: string): string {
  const home = tempHome();
  const db = new Database(dbPath(home));
  db.exec(fs.readFileSync(path.join(import.meta.dirname, '../../fixtures', fixture), 'utf8'));
  db.close();
  return home;
}

export function newJob(beads: string, over: Partial<NewJob> = {}): NewJob {
  return {
    beads,
    provider: 'opencode',
    runInstance: `run-${beads}`,
    retries: 0,
    worktree: `/tmp/wt/${beads}`,
    promptFile: '/tmp/prompt.txt',
    model: 'zai/glm-5',
    executionMode: 'headless',
    fallbackReason: 'none',
    host: 'test',
    cwd: '/tmp',
    dir: `/tmp/jobs/${beads}`,
    startedAt: 1_700_000_000_000,
    startHead: 'abc123',
    baseline: '{}',
    commitPolicy: 'auto',
    verifyCmd: null,
    settings: {
      startupGraceSec: 120,
      stallSec: 600,
      noOpWindowSec: 300,
      maxRuntimeSec: 3600,
      noMutationTimeoutSec: 1800,
      providerRetryLimit: 3,
      maxParallel: 4,
    },
    ...over,
  };
}
