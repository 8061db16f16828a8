import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dbPath, stateFault, Store } from '../../../src/store/index.js';
import { openStore, tempHome } from './temp.js';

const modeOf = (p: string) => fs.statSync(p).mode & 0o777;

describe('a full disk is one refusal with the folder to free', () => {
  it("SQLite's own SQLITE_FULL (a database at its page limit) → state_disk_full naming the home", () => {
    const home = tempHome();
    const db = new Database(dbPath(home));
    db.exec('CREATE TABLE t (x)');
    db.pragma('max_page_count = 3');
    let error: unknown;
    try {
      db.prepare('INSERT INTO t VALUES (zeroblob(100000))').run();
    } catch (e) {
      error = e;
    }
    db.close();
    expect(stateFault(error, home)).toMatchObject({
      reasonCode: 'state_disk_full',
      kind: 'environment',
      message: expect.stringContaining(`free space under ${home}`),
    });
  });

  it('a file write that finds no space names that file’s folder', () => {
    const e = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      path: '/srv/home/jobs/bd-1/run/agent.out',
    });
    expect(stateFault(e, '/srv/home')?.message).toContain('free space under /srv/home/jobs/bd-1/run');
  });

  it('any other error is not a fault of the state home', () => {
    expect(stateFault(new Error('boom'), tempHome())).toBeNull();
  });
});

describe('an emptied state database beside job folders is refused, not reset', () => {
  const withJobFolder = () => {
    const home = tempHome();
    fs.mkdirSync(path.join(home, 'jobs', 'bd-1', 'run-1'), { recursive: true });
    return home;
  };

  it.each([
    ['0 bytes', 'empty (0 bytes)', (file: string) => fs.writeFileSync(file, '')],
    ['missing', 'missing', () => undefined],
  ])('a database %s → state_db_emptied, the file left as it was', (_, said, damage) => {
    const home = withJobFolder();
    damage(dbPath(home));
    const existed = fs.existsSync(dbPath(home));
    expect(() => new Store(home)).toThrow(
      expect.objectContaining({ reasonCode: 'state_db_emptied', message: expect.stringContaining(said) }),
    );
    expect(fs.existsSync(dbPath(home))).toBe(existed);
    if (existed) expect(fs.statSync(dbPath(home)).size).toBe(0);
  });

  it('a fresh home, or a 0-byte database with no history beside it, just opens', () => {
    const home = tempHome();
    openStore(home).jobs.latest('bd-1');
    const other = tempHome();
    fs.writeFileSync(dbPath(other), '');
    expect(openStore(other).jobs.latest('bd-1')).toBeNull();
  });

  it('a database with its history opens beside its job folders', () => {
    const home = withJobFolder();
    fs.rmSync(path.join(home, 'jobs'), { recursive: true });
    openStore(home).close();
    fs.mkdirSync(path.join(home, 'jobs', 'bd-1'), { recursive: true });
    expect(openStore(home).jobs.latest('bd-1')).toBeNull();
  });
});

describe('the state database is readable by its owner only', () => {
  it('a new database and its WAL files are 0600 in a 0700 home', () => {
    const home = path.join(tempHome(), 'nested');
    openStore(home).jobs.latest('bd-1');
    expect(modeOf(home)).toBe(0o700);
    for (const f of fs.readdirSync(home)) expect([f, modeOf(path.join(home, f))]).toEqual([f, 0o600]);
  });

  it('an older database made readable by others is made private when opened', () => {
    const home = tempHome();
    openStore(home).close();
    fs.chmodSync(dbPath(home), 0o644);
    openStore(home);
    expect(modeOf(dbPath(home))).toBe(0o600);
  });
});
