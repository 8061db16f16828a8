import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateFacts, stateFindings, type StateFacts } from '../../../src/store/check.js';
import { dbPath, SCHEMA_VERSION, Store } from '../../../src/store/index.js';
import { newJob, openStore, tempHome } from './temp.js';

const healthy: StateFacts = {
  home: '/h',
  dbBytes: 4096,
  db: { integrity: ['ok'], version: SCHEMA_VERSION, runs: [{ dir: '/h/jobs/bd-1/r1', active: false }] },
  runFolders: ['/h/jobs/bd-1/r1'],
  notPrivate: [],
};
const statusOf = (f: StateFacts) => Object.fromEntries(stateFindings(f).map((x) => [x.check, x.status]));

describe('state check findings', () => {
  it.each<[string, Partial<StateFacts>, Record<string, string>]>([
    ['a sound home', {}, { integrity: 'ok', schema_version: 'ok', folders_without_rows: 'ok', file_modes: 'ok' }],
    ['a fresh home', { dbBytes: null, runFolders: [] }, { database: 'ok', file_modes: 'ok' }],
    ['an emptied database beside run folders', { dbBytes: 0 }, { database: 'error' }],
    ['a missing database beside run folders', { dbBytes: null }, { database: 'error' }],
    ['an unreadable database', { db: { error: 'file is not a database' } }, { database: 'error' }],
    [
      'a damaged page',
      { db: { ...(healthy.db as object), integrity: ['row 3 missing from index x'] } as StateFacts['db'] },
      { integrity: 'error' },
    ],
    [
      'an older schema',
      { db: { ...(healthy.db as object), version: SCHEMA_VERSION - 1 } as StateFacts['db'] },
      { schema_version: 'warn' },
    ],
    [
      'a newer schema',
      { db: { ...(healthy.db as object), version: SCHEMA_VERSION + 1 } as StateFacts['db'] },
      { schema_version: 'error' },
    ],
    [
      'a run folder no record names',
      { runFolders: ['/h/jobs/bd-1/r1', '/h/jobs/bd-2/r9'] },
      { folders_without_rows: 'warn' },
    ],
    ['a finished run rotated away', { runFolders: [] }, { rows_without_folders: 'ok' }],
    [
      'a running job without its folder',
      { db: { integrity: ['ok'], version: SCHEMA_VERSION, runs: [{ dir: '/h/jobs/bd-3/r1', active: true }] } },
      { rows_without_folders: 'error' },
    ],
    ['a file others may read', { notPrivate: ['/h/state.db'] }, { file_modes: 'error' }],
  ])('%s', (_, facts, expected) => {
    expect(statusOf({ ...healthy, ...facts })).toMatchObject(expected);
  });

  it('a real home: its run folder without a record, a file others may read, and a damaged database', () => {
    const home = tempHome();
    const store = openStore(home);
    const job = store.jobs.insert(newJob('bd-1', { dir: path.join(home, 'jobs', 'bd-1', 'r1') }));
    store.close();
    fs.mkdirSync(path.join(home, 'jobs', 'bd-1', 'r1'), { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.join(home, 'jobs', 'bd-2', 'r1'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(home, 'jobs', 'bd-2', 'r1', 'agent.out'), 'x', { mode: 0o644 });
    const found = stateFindings(stateFacts(home));
    expect(job).toBeGreaterThan(0);
    expect(found.find((f) => f.check === 'folders_without_rows')?.paths).toEqual([
      path.join(home, 'jobs', 'bd-2', 'r1'),
    ]);
    expect(found.find((f) => f.check === 'file_modes')?.paths).toEqual([
      path.join(home, 'jobs', 'bd-2', 'r1', 'agent.out'),
    ]);
    expect(found.find((f) => f.check === 'integrity')?.status).toBe('ok');

    fs.writeFileSync(dbPath(home), Buffer.alloc(8192, 7));
    fs.rmSync(`${dbPath(home)}-wal`, { force: true });
    fs.rmSync(`${dbPath(home)}-shm`, { force: true });
    expect(stateFindings(stateFacts(home))[0]).toMatchObject({ check: 'database', status: 'error' });
  });
});

describe('state backup', () => {
  it('a consistent copy (0600) that opens as a home of its own with the same jobs; never over a file', async () => {
    const home = tempHome();
    const store = openStore(home);
    store.jobs.insert(newJob('bd-1'));
    const copy = path.join(tempHome(), 'state.db');
    await store.backup(copy);
    expect(fs.statSync(copy).mode & 0o777).toBe(0o600);
    const restored = new Store(path.dirname(copy));
    expect(restored.jobs.latest('bd-1')?.beads).toBe('bd-1');
    restored.close();
    await expect(store.backup(copy)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(openStore(path.dirname(copy)).jobs.latest('bd-1')?.beads).toBe('bd-1'); // the copy untouched
  });
});
