import type { DeliveryPolicy, GateOptions, Lane, PostJobGate, SandboxMode } from '../contract/index.js';
import { col, immediate, Table, type Db, type RecordOf } from './db.js';

export type WaveState = 'running' | 'done' | 'stopped';

/**
 * queued → launching (claimed) → running (has a job) → ready | landing → landed | failed: `ready` is work left on
 * its branch (deliver: none), `landing` waits in the merge queue, `landed` met its delivery policy;
 * stop makes queued cancelled, running stopped, landing ready
 */
export type ItemState =
  'queued' | 'launching' | 'running' | 'landing' | 'ready' | 'landed' | 'failed' | 'cancelled' | 'stopped';

/** What one bead of a wave is launched with (paths absolute), as recorded with the wave. */
export interface ItemSpec extends Omit<GateOptions, 'requireGates'> {
  /** inline prompt text (written to a file in the wave's folder at launch) … */
  prompt?: string;
  /** … or the prompt file */
  promptFile?: string;
  worktree: string;
  provider: string;
  model?: string;
  lane?: Lane;
  /** the filesystem sandbox (start's --sandbox; absent: auto) */
  sandbox?: SandboxMode;
  /** null: no fallback (the chain ends) */
  fallbackProvider: string | null;
  fallbackModel?: string;
  /** the required gates (start's `requireGates`) */
  gates?: PostJobGate[];
  /** the commit policy, the verify command and its time limit (start's) */
  commit?: string;
  verifyCmd?: string;
  verifyTimeoutSec?: number;
  /** how the item's work is delivered once its job succeeded (absent: it stays on its branch, `ready`) */
  delivery?: DeliveryPolicy;
  /** where relative paths were resolved (the manifest's folder) */
  cwd: string;
}

/** A wave: many beads handed out at once, driven by one detached driver (`dx-runner __wave <id>`). */
export const wavesTable = new Table('waves', {
  id: col.id(),
  state: col.text<WaveState>().default('running'),
  critical: col.bool().default(false),
  driverPid: col.int().null(),
  driverStart: col.text().null(),
  createdAt: col.int(),
  endedAt: col.int().null(),
});

/** One bead of a wave; `jobId` is its current dx-runner job (the newest attempt). */
export const waveItemsTable = new Table(
  'wave_items',
  {
    id: col.id(),
    waveId: col.int().references('waves'),
    seq: col.int(),
    beads: col.text(),
    spec: col.json<ItemSpec>(),
    /** the provider of the current (or next) attempt */
    provider: col.text(),
    state: col.text<ItemState>().default('queued'),
    attempts: col.int().default(0),
    claimedAt: col.int().null(),
    jobId: col.int().null().references('jobs'),
    fallbackReason: col.text().null(),
    reasonCode: col.text().null(),
  },
  ['CREATE UNIQUE INDEX IF NOT EXISTS wave_items_bead ON wave_items(wave_id, beads)'],
);

export type WaveRecord = RecordOf<typeof wavesTable.columns>;
export type WaveItemRecord = RecordOf<typeof waveItemsTable.columns>;

export type WaveItemUpdate = Partial<
  Pick<WaveItemRecord, 'provider' | 'state' | 'attempts' | 'jobId' | 'fallbackReason' | 'reasonCode'>
>;

export class Waves {
  constructor(private readonly db: Db) {}

  /** Records a wave and all its items at once: a wave is never half-written. */
  insert(
    critical: boolean,
    items: Array<{ beads: string; spec: ItemSpec; provider: string; fallbackReason: string | null }>,
  ): number {
    return immediate(this.db, () => {
      const id = wavesTable.inserter(this.db, ['critical', 'createdAt'])({ critical, createdAt: Date.now() });
      const add = waveItemsTable.inserter(this.db, ['waveId', 'seq', 'beads', 'spec', 'provider', 'fallbackReason']);
      items.forEach((it, seq) => add({ waveId: id, seq, ...it }));
      return id;
    });
  }

  get(id: number): WaveRecord | null {
    return wavesTable.one(this.db, 'SELECT * FROM waves WHERE id = ?', id);
  }

  latest(): WaveRecord | null {
    return wavesTable.one(this.db, 'SELECT * FROM waves ORDER BY id DESC LIMIT 1');
  }

  running(): WaveRecord[] {
    return wavesTable.all(this.db, "SELECT * FROM waves WHERE state = 'running' ORDER BY id");
  }

  items(waveId: number): WaveItemRecord[] {
    return waveItemsTable.all(this.db, 'SELECT * FROM wave_items WHERE wave_id = ? ORDER BY seq', waveId);
  }

  /** queued → launching, for exactly one caller: the claim that keeps an item from being launched twice. */
  claimItem(itemId: number): boolean {
    return (
      this.db
        .prepare("UPDATE wave_items SET state = 'launching', claimed_at = ? WHERE id = ? AND state = 'queued'")
        .run(Date.now(), itemId).changes === 1
    );
  }

  updateItem(itemId: number, u: WaveItemUpdate): void {
    waveItemsTable.update(this.db, itemId, u);
  }

  /** Makes this process the wave's driver unless a live one holds it (`alive` decides, under the write lock). */
  claimDriver(
    waveId: number,
    pid: number,
    start: string | null,
    alive: (pid: number | null, start: string | null) => boolean,
  ): boolean {
    return immediate(this.db, () => {
      const w = this.get(waveId);
      if (!w || w.state !== 'running' || (w.driverPid !== pid && alive(w.driverPid, w.driverStart))) return false;
      wavesTable.update(this.db, waveId, { driverPid: pid, driverStart: start });
      return true;
    });
  }

  /** running → `state`, once: returns false when the wave had already ended. */
  end(waveId: number, state: Exclude<WaveState, 'running'>): boolean {
    return (
      this.db
        .prepare("UPDATE waves SET state = ?, ended_at = ? WHERE id = ? AND state = 'running'")
        .run(state, Date.now(), waveId).changes === 1
    );
  }
}
