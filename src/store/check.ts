import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { dbPath, SCHEMA_VERSION } from './index.js';

/**
 * `dx-runner state check`: what an operator needs to know about a state home, read without changing it —
 * the database's integrity and schema version, run folders and job records that lost each other, and files
 * others can read. The facts are gathered at the edge (stateFacts); the findings are a plain function of them.
 */

/** The checks, in the order their findings are listed. */
export const STATE_CHECKS = [
  'database',
  'integrity',
  'schema_version',
  'folders_without_rows',
  'rows_without_folders',
  'file_modes',
] as const;

export const SEVERITIES = ['ok', 'warn', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  check: (typeof STATE_CHECKS)[number];
  status: Severity;
  detail: string;
  /** the paths concerned (at most LISTED of them) */
  paths: string[];
}

export interface StateFacts {
  home: string;
  /** the database's size in bytes; null when it is missing */
  dbBytes: number | null;
  /** what opening the database read-only said: its facts, or the error's message */
  db: { integrity: string[]; version: number; runs: Array<{ dir: string; active: boolean }> } | { error: string };
  /** every run folder under `jobs/` */
  runFolders: string[];
  /** files and folders under the home that others than the owner may read, write or enter */
  notPrivate: string[];
}

/** How many paths a finding lists: enough to act on, short enough to read. */
const LISTED = 20;

const finding = (check: Finding['check'], status: Severity, detail: string, paths: string[] = []): Finding => ({
  check,
  status,
  detail,
  paths: paths.slice(0, LISTED),
});

/** The findings of a state home, one per check, in a fixed order. */
export function stateFindings(f: StateFacts): Finding[] {
  const file = dbPath(f.home);
  if (!f.dbBytes) {
    const what = f.dbBytes === null ? 'missing' : 'empty (0 bytes)';
    return [
      f.runFolders.length
        ? finding('database', 'error', `${what} beside ${f.runFolders.length} run folders: restore a backup`, [file])
        : finding('database', 'ok', `${what}: a fresh home (the first command makes it)`, [file]),
      finding('file_modes', f.notPrivate.length ? 'error' : 'ok', modesDetail(f), f.notPrivate),
    ];
  }
  if ('error' in f.db)
    return [
      finding('database', 'error', `cannot be read (${f.db.error}): move it aside or restore a backup`, [file]),
      finding('file_modes', f.notPrivate.length ? 'error' : 'ok', modesDetail(f), f.notPrivate),
    ];
  const recorded = new Set(f.db.runs.map((r) => r.dir));
  const present = new Set(f.runFolders);
  const orphans = f.runFolders.filter((d) => !recorded.has(d));
  const lost = f.db.runs.filter((r) => !present.has(r.dir));
  const lostLive = lost.filter((r) => r.active);
  const ok = f.db.integrity.length === 1 && f.db.integrity[0] === 'ok';
  return [
    finding('database', 'ok', `${f.dbBytes} bytes, ${f.db.runs.length} runs recorded`, [file]),
    finding('integrity', ok ? 'ok' : 'error', ok ? 'ok' : f.db.integrity.slice(0, LISTED).join('; '), ok ? [] : [file]),
    f.db.version === SCHEMA_VERSION
      ? finding('schema_version', 'ok', `${f.db.version}`)
      : finding(
          'schema_version',
          f.db.version < SCHEMA_VERSION ? 'warn' : 'error',
          `${f.db.version}, this dx-runner writes ${SCHEMA_VERSION}` +
            (f.db.version < SCHEMA_VERSION ? ' (any command upgrades it)' : ': a newer dx-runner made it'),
        ),
    finding(
      'folders_without_rows',
      orphans.length ? 'warn' : 'ok',
      `${orphans.length} run folders no record names (left by a lost or restored database)`,
      orphans,
    ),
    finding(
      'rows_without_folders',
      lostLive.length ? 'error' : 'ok',
      `${lostLive.length} running jobs without their folder; ${lost.length - lostLive.length} finished runs ` +
        'without theirs (older runs are rotated away: expected)',
      (lostLive.length ? lostLive : lost).map((r) => r.dir),
    ),
    finding('file_modes', f.notPrivate.length ? 'error' : 'ok', modesDetail(f), f.notPrivate),
  ];
}

const modesDetail = (f: StateFacts) =>
  f.notPrivate.length
    ? `${f.notPrivate.length} files or folders others may use; make them private: chmod -R go= ${f.home}`
    : 'every file 0600, every folder 0700 (or stricter)';

const dirsIn = (dir: string): string[] => {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
};

/** Every path under `dir` (itself included) whose group or others bits are set; symbolic links are not followed. */
export function notPrivateUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return; // removed while we walked
    }
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077) found.push(p);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
  return found;
}

function readDatabase(file: string): StateFacts['db'] {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map(
      (r) => r.integrity_check,
    );
    const version = db.pragma('user_version', { simple: true }) as number;
    const runs = (db.prepare('SELECT dir, active FROM jobs').all() as Array<{ dir: string; active: number }>).map(
      (r) => ({ dir: r.dir, active: r.active === 1 }),
    );
    return { integrity, version, runs };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  } finally {
    db?.close();
  }
}

/** The facts of a state home, read without writing anything (the database is opened read-only). */
export function stateFacts(home: string): StateFacts {
  const file = dbPath(home);
  let dbBytes: number | null = null;
  try {
    dbBytes = fs.statSync(file).size;
  } catch {
    // missing
  }
  return {
    home,
    dbBytes,
    db: dbBytes ? readDatabase(file) : { error: 'no database' },
    runFolders: dirsIn(path.join(home, 'jobs')).flatMap(dirsIn),
    notPrivate: fs.existsSync(home) ? notPrivateUnder(home) : [],
  };
}
