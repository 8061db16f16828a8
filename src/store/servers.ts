import { col, Table, type Db, type RecordOf } from './db.js';

/** The managed `opencode serve` of this host: one active row at most. */
export const serversTable = new Table(
  'servers',
  {
    id: col.id(),
    hostname: col.text(),
    port: col.int(),
    binary: col.text(),
    active: col.bool().default(true),
    keeperPid: col.int().null(),
    keeperStart: col.text().null(),
    pid: col.int().null(),
    restarts: col.int().default(0),
    startedAt: col.int(),
    stoppedAt: col.int().null(),
  },
  ['CREATE UNIQUE INDEX IF NOT EXISTS servers_one_active ON servers(active) WHERE active = 1'],
);

export type ServerRecord = RecordOf<typeof serversTable.columns>;

export class Servers {
  constructor(private readonly db: Db) {}

  active(): ServerRecord | null {
    return serversTable.one(this.db, 'SELECT * FROM servers WHERE active = 1');
  }

  /** The active server, else the last one (for `serve status` after a stop). */
  latest(): ServerRecord | null {
    return serversTable.one(this.db, 'SELECT * FROM servers ORDER BY active DESC, id DESC LIMIT 1');
  }

  get(id: number): ServerRecord | null {
    return serversTable.one(this.db, 'SELECT * FROM servers WHERE id = ?', id);
  }

  insert(s: Pick<ServerRecord, 'hostname' | 'port' | 'binary' | 'startedAt'>): number {
    return serversTable.inserter(this.db, ['hostname', 'port', 'binary', 'startedAt'])(s);
  }

  setKeeper(id: number, keeperPid: number, keeperStart: string | null): void {
    serversTable.update(this.db, id, { keeperPid, keeperStart });
  }

  setPid(id: number, pid: number, restarted: boolean): void {
    this.db.prepare('UPDATE servers SET pid = ?, restarts = restarts + ? WHERE id = ?').run(pid, restarted ? 1 : 0, id);
  }

  end(id: number): void {
    this.db.prepare('UPDATE servers SET active = 0, stopped_at = ? WHERE id = ? AND active = 1').run(Date.now(), id);
  }
}
