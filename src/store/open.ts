import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import { migrate, openDatabase, unusableDatabase, type Db, type Migration } from './db.js';

/** Where a home's jobs and waves keep their folders: any of them means the home has a history. */
const HISTORY_FOLDERS = ['jobs', 'waves'];

const sizeOf = (file: string): number | null => {
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
};

const hasEntries = (dir: string): boolean => {
  try {
    return fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
};

/**
 * A missing or 0-byte database beside job or wave folders lost its history (truncated, deleted, a failed
 * copy): opening it would start a new, empty one and hide that, so it is refused. A fresh home has neither.
 */
export function refuseEmptied(home: string, file: string): void {
  if (sizeOf(file)) return;
  const folders = HISTORY_FOLDERS.filter((f) => hasEntries(path.join(home, f)));
  if (!folders.length) return;
  throw new DxError(
    'state_db_emptied',
    `the state database ${file} is ${sizeOf(file) === null ? 'missing' : 'empty (0 bytes)'} but ${home} holds ` +
      `${folders.join(' and ')} folders: restore it from a backup (one made by dx-runner state backup), or move ` +
      `${folders.map((f) => path.join(home, f)).join(' and ')} aside to start afresh; dx-runner state check says more`,
  );
}

/** The database file and its WAL companions, readable by the owner only (SQLite gives these the file's mode). */
function makePrivate(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // made by another process just now: fine
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if (fs.statSync(f).mode & 0o077) fs.chmodSync(f, 0o600);
    } catch {
      // absent (no WAL yet), or on a read-only file system: opening says so if it matters
    }
  }
}

/** Opens the home's state database at the schema's version: a refusal with the way out when it cannot be used. */
export function openState(home: string, file: string, migrations: readonly Migration[]): Db {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  refuseEmptied(home, file);
  try {
    makePrivate(file);
    const db = openDatabase(file);
    migrate(db, migrations); // the first write: where a read-only database says so
    return db;
  } catch (e) {
    throw unusableDatabase(file, e);
  }
}
