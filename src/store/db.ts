import path from 'node:path';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DxError } from '../core/errors.js';

/**
 * The database core: opening the file, write transactions, the schema version, and tables declared once.
 * A table is a list of columns keyed by the record's camelCase fields; its DDL (snake_case columns), the
 * mapping of a row to the record and back, and its inserts and updates are all derived from that list.
 */

export type Db = Database.Database;
type Row = Record<string, unknown>;
type SqlValue = string | number | null;

/**
 * The native addon where an install puts it. Named directly, it spares every command the `bindings` package's
 * search (a stack trace, then a dozen candidate paths); a build elsewhere is still found by that search.
 */
function installedAddon(): { nativeBinding?: string } {
  try {
    const url = new URL('../build/Release/better_sqlite3.node', import.meta.resolve('better-sqlite3'));
    return fs.existsSync(url) ? { nativeBinding: fileURLToPath(url) } : {};
  } catch {
    return {}; // import.meta.resolve is Node >= 20.6
  }
}

/** WAL: readers never wait for the writer; writers wait for each other (up to 10 s) instead of failing. */
export function openDatabase(file: string): Db {
  const db = new Database(file, installedAddon());
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = NORMAL');
  return db;
}

/**
 * A state database that cannot be used (damaged, read-only, or its disk full, when opened or mid-command) is
 * one clear refusal, never a stack trace; other errors pass on. A full disk (SQLite's SQLITE_FULL, a file
 * write's ENOSPC, a quota's EDQUOT) names the folder to free: the file's own when the error names one, else
 * the database's.
 */
export function unusableDatabase(file: string, e: unknown): unknown {
  const code = (e as { code?: string }).code ?? '';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    const where = path.dirname((e as { path?: string }).path ?? file);
    return new DxError(
      'state_disk_full',
      `the disk is full (${(e as Error).message.split('\n')[0]}); free space under ${where}, then run the command ` +
        'again (dx-runner state check shows what the state home holds)',
    );
  }
  // extended result codes (SQLITE_READONLY_DIRECTORY, SQLITE_CORRUPT_INDEX …) name their family first
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return new DxError(
      'state_db_corrupt',
      `the state database ${file} is damaged (${(e as Error).message}); move it aside and restore a backup ` +
        '(dx-runner state check says more), or point DX_RUNNER_HOME elsewhere',
    );
  // the file system's refusal to make the file itself (a read-only folder or disk)
  const fsRefusal = ['EACCES', 'EROFS', 'EPERM'].includes(code) && (e as { path?: string }).path === file;
  if (fsRefusal || ['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM'].some((family) => code.startsWith(family)))
    return new DxError(
      'state_db_readonly',
      `the state database ${file} cannot be opened for writing (${(e as Error).message}); ` +
        'make it and its folder writable, or point DX_RUNNER_HOME elsewhere',
    );
  return e;
}

/** BEGIN IMMEDIATE: concurrent writers queue on the lock instead of racing (check-then-insert stays atomic). */
export function immediate<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** One schema version: what turns a database of the previous version into this one. */
export interface Migration {
  version: number;
  up(db: Db): void;
}

/**
 * Brings the database to the last migration's version (SQLite's `user_version`): every migration above the
 * database's version runs, in order, in one write transaction, so a half-migrated file cannot exist and two
 * processes opening an old file at once migrate it once.
 */
export function migrate(db: Db, migrations: readonly Migration[]): void {
  const target = migrations[migrations.length - 1].version;
  const version = () => db.pragma('user_version', { simple: true }) as number;
  if (version() === target) return;
  immediate(db, () => {
    const from = version();
    if (from === target) return;
    for (const m of migrations) if (m.version > from) m.up(db);
    db.pragma(`user_version = ${target}`);
  });
}

/** A column: its SQL, and how a field's value is kept in it (SQLite has no booleans and no JSON). */
export interface Column<T> {
  readonly sql: string;
  read(v: unknown): T;
  write(v: T): SqlValue;
  /** the column may be NULL: the field is `T | null` */
  null(): Column<T | null>;
  /** what a row gets when its insert leaves the column out */
  default(v: T): Column<T>;
  /** the column holds the id of a row of `table` */
  references(table: string): Column<T>;
}

interface Spec {
  type: string;
  nullable: boolean;
  defaultValue?: SqlValue;
  ref?: string;
}

const literal = (v: SqlValue) => (typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v));

function column<T>(s: Spec, read: (v: unknown) => T, write: (v: T) => SqlValue): Column<T> {
  return {
    sql: [
      s.type,
      s.nullable ? '' : ' NOT NULL',
      s.defaultValue === undefined ? '' : ` DEFAULT ${literal(s.defaultValue)}`,
      s.ref ? ` REFERENCES ${s.ref}(id)` : '',
    ].join(''),
    read,
    write,
    null: () =>
      column<T | null>(
        { ...s, nullable: true },
        (v) => (v === null || v === undefined ? null : read(v)),
        (v) => (v === null || v === undefined ? null : write(v)),
      ),
    default: (v) => column({ ...s, defaultValue: write(v) }, read, write),
    references: (table) => column({ ...s, ref: table }, read, write),
  };
}

const same = <T>(v: unknown) => v as T;
const plain = (v: unknown) => v as SqlValue;

/** The column kinds; `T` narrows a field's type (e.g. a union of states kept as text). */
export const col = {
  /** the row id (SQLite's rowid), given by the database on insert */
  id: () => column<number>({ type: 'INTEGER PRIMARY KEY', nullable: true }, same, plain), // a rowid takes no NOT NULL
  int: <T extends number = number>() => column<T>({ type: 'INTEGER', nullable: false }, same, plain),
  real: () => column<number>({ type: 'REAL', nullable: false }, same, plain),
  text: <T extends string = string>() => column<T>({ type: 'TEXT', nullable: false }, same, plain),
  /** 1 or 0 */
  bool: () =>
    column<boolean>(
      { type: 'INTEGER', nullable: false },
      (v) => v === 1,
      (v) => (v ? 1 : 0),
    ),
  /** the value as JSON text */
  json: <T>() =>
    column<T>(
      { type: 'TEXT', nullable: false },
      (v) => JSON.parse(v as string) as T,
      (v) => JSON.stringify(v),
    ),
};

/** Columns of any field types (a column's methods take its type bivariantly, so each fits `unknown`). */
type Columns = Record<string, Column<unknown>>;

/** The record a table's rows map to: one field per column, of the column's type. */
export type RecordOf<C extends Columns> = { -readonly [K in keyof C]: C[K] extends Column<infer T> ? T : never };

/** `runInstance` → `run_instance` */
const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export class Table<C extends Columns> {
  private readonly names: ReadonlyArray<[keyof C & string, string]>;

  /** `indexes`: their CREATE statements (IF NOT EXISTS), made with the table */
  constructor(
    readonly name: string,
    readonly columns: C,
    private readonly indexes: readonly string[] = [],
  ) {
    this.names = Object.keys(columns).map((f) => [f, snake(f)]);
    const fields = this.names.map(([f, c]) => `${f}: columns.${f}.read(row.${c})`);
    this.read = new Function('columns', `return (row) => ({ ${fields.join(', ')} });`)(columns);
  }

  /**
   * Creates what is missing: the table, then any declared column an older version of the table lacks
   * (added at the end, with its default), then the indexes. Running it again changes nothing.
   */
  ensure(db: Db): void {
    const defs = this.names.map(([f, c]) => `  ${c} ${this.columns[f].sql}`);
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.name} (\n${defs.join(',\n')}\n)`);
    const have = new Set(
      (db.prepare(`PRAGMA table_info(${this.name})`).all() as Array<{ name: string }>).map((c) => c.name),
    );
    for (const [f, c] of this.names)
      if (!have.has(c)) db.exec(`ALTER TABLE ${this.name} ADD COLUMN ${c} ${this.columns[f].sql}`);
    for (const index of this.indexes) db.exec(index);
  }

  /**
   * A row (`SELECT *`) as its record. The reader is one object literal made once per table: a record built
   * field by field in a loop falls into V8's slow dictionary mode, which made `status` over 1,000 jobs ~20 %
   * slower. Field and column names come from the table's own declaration, never from input.
   */
  readonly read: (row: Row) => RecordOf<C>;

  one(db: Db, sql: string, ...params: unknown[]): RecordOf<C> | null {
    const row = db.prepare(sql).get(...params) as Row | undefined;
    return row ? this.read(row) : null;
  }

  all(db: Db, sql: string, ...params: unknown[]): Array<RecordOf<C>> {
    return (db.prepare(sql).all(...params) as Row[]).map((r) => this.read(r));
  }

  /** An insert of exactly these fields (the others get their defaults); the inserter returns the new id. */
  inserter<F extends keyof C & string>(db: Db, fields: readonly F[]): (values: Pick<RecordOf<C>, F>) => number {
    const stmt = db.prepare(
      `INSERT INTO ${this.name} (${fields.map(snake).join(', ')}) VALUES (${fields.map((f) => `@${f}`).join(', ')})`,
    );
    return (values) => Number(stmt.run(this.params(values as Partial<RecordOf<C>>, fields)).lastInsertRowid);
  }

  /** Sets the given fields of row `id`. */
  update(db: Db, id: number, values: Partial<RecordOf<C>>): void {
    const fields = Object.keys(values) as Array<keyof C & string>;
    if (!fields.length) return;
    db.prepare(`UPDATE ${this.name} SET ${fields.map((f) => `${snake(f)} = @${f}`).join(', ')} WHERE id = @id`).run({
      ...this.params(values, fields),
      id,
    });
  }

  /** The named parameters of `fields`, each written as its column keeps it. */
  private params(values: Partial<RecordOf<C>>, fields: ReadonlyArray<keyof C & string>): Row {
    return Object.fromEntries(fields.map((f) => [f, this.columns[f].write((values as Row)[f])]));
  }
}
