import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { PostJobGates } from '../contract/index.js';
import type { Outcome, OutcomeState, OutputSummary, Thresholds } from '../health/index.js';
import { dbPath } from './paths.js';
import type { ItemSpec, ItemState, WaveState } from '../wave/decide.js';

/** One run of one bead. A restart makes a new row; the newest row is the bead's current job. */
export interface JobRecord {
  id: number;
  beads: string;
  provider: string;
  runInstance: string;
  retries: number;
  active: boolean;
  pid: number | null;
  pidStart: string | null;
  supervisorPid: number | null;
  worktree: string;
  promptFile: string;
  model: string;
  executionMode: string;
  fallbackReason: string;
  host: string;
  cwd: string;
  dir: string;
  startedAt: number;
  completedAt: number | null;
  exitCode: number | null;
  outcomeState: OutcomeState | null;
  outcomeReason: string | null;
  startHead: string;
  baseline: string;
  mutations: number;
  outputBytes: number;
  firstOutputAt: number | null;
  lastOutputAt: number | null;
  lastEvent: string | null;
  lastHeartbeatAt: number | null;
  cpuSec: number;
  lastCpuProgressAt: number | null;
  sessionId: string | null;
  tokensIn: number;
  tokensOut: number;
  settings: JobSettings;
  /** verdicts of the post-job gates, by gate name (empty until they ran) */
  gates: Record<string, { passed: boolean; reason_code: string; details: string }>;
}

/** Effective thresholds, fixed when the job starts and used by every later command. */
export interface JobSettings extends Thresholds {
  /** the profile the job was started with, if any */
  profile?: string;
  providerRetryLimit: number;
  /** live jobs of this provider allowed at once on this host (checked atomically at launch) */
  maxParallel: number;
  gates?: PostJobGates;
}

export type NewJob = Pick<
  JobRecord,
  | 'beads'
  | 'provider'
  | 'runInstance'
  | 'retries'
  | 'worktree'
  | 'promptFile'
  | 'model'
  | 'executionMode'
  | 'fallbackReason'
  | 'host'
  | 'cwd'
  | 'dir'
  | 'startedAt'
  | 'startHead'
  | 'baseline'
  | 'settings'
>;

type Row = Record<string, unknown>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY,
  beads TEXT NOT NULL,
  provider TEXT NOT NULL,
  run_instance TEXT NOT NULL,
  retries INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  pid INTEGER,
  pid_start TEXT,
  supervisor_pid INTEGER,
  worktree TEXT NOT NULL,
  prompt_file TEXT NOT NULL,
  model TEXT NOT NULL,
  execution_mode TEXT NOT NULL,
  fallback_reason TEXT NOT NULL DEFAULT 'none',
  host TEXT NOT NULL,
  cwd TEXT NOT NULL,
  dir TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  completed_at INTEGER,
  exit_code INTEGER,
  outcome_state TEXT,
  outcome_reason TEXT,
  start_head TEXT NOT NULL,
  baseline TEXT NOT NULL,
  mutations INTEGER NOT NULL DEFAULT 0,
  output_bytes INTEGER NOT NULL DEFAULT 0,
  first_output_at INTEGER,
  last_output_at INTEGER,
  last_event TEXT,
  session_id TEXT,
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  settings TEXT NOT NULL
);
-- the guarantee behind "one live job per bead", enforced by the database itself
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_active_per_bead ON jobs(beads) WHERE active = 1;
CREATE INDEX IF NOT EXISTS jobs_by_bead ON jobs(beads, id);
CREATE TABLE IF NOT EXISTS job_events (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS job_events_by_job ON job_events(job_id, id);
-- the host's managed opencode serve: one active row at most
CREATE TABLE IF NOT EXISTS servers (
  id INTEGER PRIMARY KEY,
  hostname TEXT NOT NULL,
  port INTEGER NOT NULL,
  binary TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  keeper_pid INTEGER,
  keeper_start TEXT,
  pid INTEGER,
  restarts INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  stopped_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS servers_one_active ON servers(active) WHERE active = 1;
-- a wave: many beads handed out at once, driven by one detached driver process
CREATE TABLE IF NOT EXISTS waves (
  id INTEGER PRIMARY KEY,
  state TEXT NOT NULL DEFAULT 'running',
  critical INTEGER NOT NULL DEFAULT 0,
  driver_pid INTEGER,
  driver_start TEXT,
  created_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE TABLE IF NOT EXISTS wave_items (
  id INTEGER PRIMARY KEY,
  wave_id INTEGER NOT NULL REFERENCES waves(id),
  seq INTEGER NOT NULL,
  beads TEXT NOT NULL,
  spec TEXT NOT NULL,
  provider TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  claimed_at INTEGER,
  job_id INTEGER REFERENCES jobs(id),
  fallback_reason TEXT,
  reason_code TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS wave_items_bead ON wave_items(wave_id, beads);
`;

/** The managed `opencode serve` of this host. */
export interface ServerRecord {
  id: number;
  hostname: string;
  port: number;
  binary: string;
  active: boolean;
  keeperPid: number | null;
  keeperStart: string | null;
  pid: number | null;
  restarts: number;
  startedAt: number;
  stoppedAt: number | null;
}

const toServer = (r: Row): ServerRecord => ({
  id: r.id as number,
  hostname: r.hostname as string,
  port: r.port as number,
  binary: r.binary as string,
  active: r.active === 1,
  keeperPid: r.keeper_pid as number | null,
  keeperStart: r.keeper_start as string | null,
  pid: r.pid as number | null,
  restarts: r.restarts as number,
  startedAt: r.started_at as number,
  stoppedAt: r.stopped_at as number | null,
});

/** A wave of beads, run by its detached driver (`dx-runner __wave <id>`). */
export interface WaveRecord {
  id: number;
  state: WaveState;
  critical: boolean;
  driverPid: number | null;
  driverStart: string | null;
  createdAt: number;
  endedAt: number | null;
}

/** One bead of a wave; `jobId` is its current dx-runner job (the newest attempt). */
export interface WaveItemRecord {
  id: number;
  waveId: number;
  seq: number;
  beads: string;
  spec: ItemSpec;
  /** the provider of the current (or next) attempt */
  provider: string;
  state: ItemState;
  attempts: number;
  claimedAt: number | null;
  jobId: number | null;
  fallbackReason: string | null;
  reasonCode: string | null;
}

export type WaveItemUpdate = Partial<
  Pick<WaveItemRecord, 'provider' | 'state' | 'attempts' | 'jobId' | 'fallbackReason' | 'reasonCode'>
>;

const toWave = (r: Row): WaveRecord => ({
  id: r.id as number,
  state: r.state as WaveState,
  critical: r.critical === 1,
  driverPid: r.driver_pid as number | null,
  driverStart: r.driver_start as string | null,
  createdAt: r.created_at as number,
  endedAt: r.ended_at as number | null,
});

const toItem = (r: Row): WaveItemRecord => ({
  id: r.id as number,
  waveId: r.wave_id as number,
  seq: r.seq as number,
  beads: r.beads as string,
  spec: JSON.parse(r.spec as string) as ItemSpec,
  provider: r.provider as string,
  state: r.state as ItemState,
  attempts: r.attempts as number,
  claimedAt: r.claimed_at as number | null,
  jobId: r.job_id as number | null,
  fallbackReason: r.fallback_reason as string | null,
  reasonCode: r.reason_code as string | null,
});

const ITEM_COLUMNS: Record<keyof WaveItemUpdate, string> = {
  provider: 'provider',
  state: 'state',
  attempts: 'attempts',
  jobId: 'job_id',
  fallbackReason: 'fallback_reason',
  reasonCode: 'reason_code',
};

/** Bumped with every schema change; a store at another version is migrated on open. */
const SCHEMA_VERSION = 5;

/** Columns added after the first schema; a store made by an older version gains them on open. */
const ADDED_COLUMNS: Array<[string, string]> = [
  ['last_heartbeat_at', 'INTEGER'],
  ['cpu_sec', 'REAL NOT NULL DEFAULT 0'],
  ['last_cpu_progress_at', 'INTEGER'],
  ['gates', "TEXT NOT NULL DEFAULT '{}'"],
];

const toRecord = (r: Row): JobRecord => ({
  id: r.id as number,
  beads: r.beads as string,
  provider: r.provider as string,
  runInstance: r.run_instance as string,
  retries: r.retries as number,
  active: r.active === 1,
  pid: r.pid as number | null,
  pidStart: r.pid_start as string | null,
  supervisorPid: r.supervisor_pid as number | null,
  worktree: r.worktree as string,
  promptFile: r.prompt_file as string,
  model: r.model as string,
  executionMode: r.execution_mode as string,
  fallbackReason: r.fallback_reason as string,
  host: r.host as string,
  cwd: r.cwd as string,
  dir: r.dir as string,
  startedAt: r.started_at as number,
  completedAt: r.completed_at as number | null,
  exitCode: r.exit_code as number | null,
  outcomeState: r.outcome_state as OutcomeState | null,
  outcomeReason: r.outcome_reason as string | null,
  startHead: r.start_head as string,
  baseline: r.baseline as string,
  mutations: r.mutations as number,
  outputBytes: r.output_bytes as number,
  firstOutputAt: r.first_output_at as number | null,
  lastOutputAt: r.last_output_at as number | null,
  lastEvent: r.last_event as string | null,
  lastHeartbeatAt: r.last_heartbeat_at as number | null,
  cpuSec: r.cpu_sec as number,
  lastCpuProgressAt: r.last_cpu_progress_at as number | null,
  sessionId: r.session_id as string | null,
  tokensIn: r.tokens_in as number,
  tokensOut: r.tokens_out as number,
  settings: JSON.parse(r.settings as string) as JobSettings,
  gates: JSON.parse((r.gates as string | null) ?? '{}') as JobRecord['gates'],
});

export const outcomeOf = (j: JobRecord): Outcome | null =>
  j.outcomeState ? { state: j.outcomeState, reasonCode: j.outcomeReason ?? '', exitCode: j.exitCode } : null;

export class Store {
  private readonly db: Database.Database;

  constructor(home: string) {
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    this.db = new Database(dbPath(home));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('synchronous = NORMAL');
    if (this.db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) this.migrate();
  }

  private migrate(): void {
    this.transaction(() => {
      this.db.exec(SCHEMA);
      const have = new Set(
        (this.db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string }>).map((c) => c.name),
      );
      for (const [name, type] of ADDED_COLUMNS)
        if (!have.has(name)) this.db.exec(`ALTER TABLE jobs ADD COLUMN ${name} ${type}`);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    });
  }

  close(): void {
    this.db.close();
  }

  /** BEGIN IMMEDIATE: concurrent writers queue on the lock instead of racing (check-then-insert stays atomic). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  activeJob(beads: string): JobRecord | null {
    const r = this.db.prepare('SELECT * FROM jobs WHERE beads = ? AND active = 1').get(beads) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  activeJobsOf(provider: string): JobRecord[] {
    return (this.db.prepare('SELECT * FROM jobs WHERE provider = ? AND active = 1').all(provider) as Row[]).map(
      toRecord,
    );
  }

  latestJob(beads: string): JobRecord | null {
    const r = this.db.prepare('SELECT * FROM jobs WHERE beads = ? ORDER BY id DESC LIMIT 1').get(beads) as
      Row | undefined;
    return r ? toRecord(r) : null;
  }

  job(id: number): JobRecord | null {
    const r = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  /** The current job of every bead: active ones first, then the newest finished ones (`limit` < 0: all). */
  currentJobs(finishedLimit: number): JobRecord[] {
    const active = this.db.prepare('SELECT * FROM jobs WHERE active = 1 ORDER BY started_at').all() as Row[];
    const finished = this.db
      .prepare(
        `SELECT j.* FROM jobs j
         WHERE j.active = 0 AND j.id = (SELECT MAX(id) FROM jobs k WHERE k.beads = j.beads)
         ORDER BY j.completed_at DESC LIMIT ?`,
      )
      .all(finishedLimit) as Row[];
    return [...active, ...finished].map(toRecord);
  }

  /** Beads whose newest run ended with this outcome reason (e.g. server_lost, for re-dispatch). */
  latestEndedWith(reason: string): JobRecord[] {
    const rows = this.db
      .prepare(
        `SELECT j.* FROM jobs j WHERE j.active = 0 AND j.outcome_reason = ? AND j.id = (SELECT MAX(id) FROM jobs k WHERE k.beads = j.beads)`,
      )
      .all(reason) as Row[];
    return rows.map(toRecord);
  }

  insertJob(j: NewJob): number {
    const info = this.db
      .prepare(
        `INSERT INTO jobs (beads, provider, run_instance, retries, worktree, prompt_file, model, execution_mode, fallback_reason, host, cwd, dir,
                           started_at, start_head, baseline, settings)
         VALUES (@beads, @provider, @runInstance, @retries, @worktree, @promptFile, @model, @executionMode, @fallbackReason, @host, @cwd, @dir,
                 @startedAt, @startHead, @baseline, @settings)`,
      )
      .run({ ...j, settings: JSON.stringify(j.settings) });
    const id = Number(info.lastInsertRowid);
    this.appendEvent(id, 'created', { provider: j.provider, model: j.model, worktree: j.worktree });
    return id;
  }

  setLaunched(id: number, pid: number, pidStart: string | null, supervisorPid: number | null): void {
    this.db
      .prepare('UPDATE jobs SET pid = ?, pid_start = ?, supervisor_pid = ? WHERE id = ?')
      .run(pid, pidStart, supervisorPid, id);
    this.appendEvent(id, 'launched', { pid });
  }

  /** Why this run is on a fallback provider (a wave's re-dispatch); shown by check and report. */
  setFallbackReason(id: number, reason: string): void {
    this.db.prepare('UPDATE jobs SET fallback_reason = ? WHERE id = ?').run(reason, id);
  }

  setSupervisor(id: number, supervisorPid: number): void {
    this.db.prepare('UPDATE jobs SET supervisor_pid = ? WHERE id = ?').run(supervisorPid, id);
  }

  /** Progress seen by the supervisor. Monotonic: never moves counters backwards. */
  recordProgress(
    id: number,
    p: {
      outputBytes: number;
      lastOutputAt: number | null;
      heartbeatAt: number | null;
      cpuSec: number | null;
      cpuProgressAt: number | null;
      summary: OutputSummary;
      mutations: number | null;
    },
  ): void {
    this.db
      .prepare(
        `UPDATE jobs SET
           output_bytes = MAX(output_bytes, @outputBytes),
           first_output_at = COALESCE(first_output_at, @lastOutputAt),
           last_output_at = COALESCE(@lastOutputAt, last_output_at),
           last_heartbeat_at = COALESCE(@heartbeatAt, last_heartbeat_at),
           cpu_sec = MAX(cpu_sec, COALESCE(@cpuSec, 0)),
           last_cpu_progress_at = COALESCE(@cpuProgressAt, last_cpu_progress_at),
           last_event = COALESCE(@lastEvent, last_event),
           session_id = COALESCE(session_id, @sessionId),
           tokens_in = @tokensIn, tokens_out = @tokensOut,
           mutations = COALESCE(@mutations, mutations)
         WHERE id = @id AND active = 1`,
      )
      .run({
        id,
        outputBytes: p.outputBytes,
        lastOutputAt: p.lastOutputAt,
        heartbeatAt: p.heartbeatAt,
        cpuSec: p.cpuSec,
        cpuProgressAt: p.cpuProgressAt,
        lastEvent: p.summary.lastEvent,
        sessionId: p.summary.sessionId,
        tokensIn: p.summary.tokensIn,
        tokensOut: p.summary.tokensOut,
        mutations: p.mutations,
      });
  }

  /**
   * Writes the terminal record once: the first finalizer wins, later ones are no-ops (returns false).
   * An existing outcome is never overwritten.
   */
  finalize(
    id: number,
    o: Outcome,
    f: {
      completedAt: number;
      mutations: number;
      outputBytes: number;
      summary: OutputSummary;
      gates?: JobRecord['gates'];
    },
  ): boolean {
    return this.transaction(() => {
      const info = this.db
        .prepare(
          `UPDATE jobs SET active = 0, outcome_state = @state, outcome_reason = @reason, exit_code = @exitCode,
             completed_at = @completedAt, mutations = @mutations, output_bytes = MAX(output_bytes, @outputBytes),
             -- output is timed when the supervisor reads it, possibly just after the agent exited: it was said before
             first_output_at = MIN(first_output_at, @completedAt), last_output_at = MIN(last_output_at, @completedAt),
             session_id = COALESCE(session_id, @sessionId), tokens_in = @tokensIn, tokens_out = @tokensOut,
             last_event = COALESCE(@lastEvent, last_event), gates = @gates
           WHERE id = @id AND active = 1`,
        )
        .run({
          id,
          state: o.state,
          reason: o.reasonCode,
          exitCode: o.exitCode,
          completedAt: f.completedAt,
          mutations: f.mutations,
          outputBytes: f.outputBytes,
          sessionId: f.summary.sessionId,
          tokensIn: f.summary.tokensIn,
          tokensOut: f.summary.tokensOut,
          lastEvent: f.summary.lastEvent,
          gates: JSON.stringify(f.gates ?? {}),
        });
      if (info.changes === 0) return false;
      this.appendEvent(id, 'finalized', { state: o.state, reason_code: o.reasonCode, exit_code: o.exitCode });
      return true;
    });
  }

  activeServer(): ServerRecord | null {
    const r = this.db.prepare('SELECT * FROM servers WHERE active = 1').get() as Row | undefined;
    return r ? toServer(r) : null;
  }

  /** The active server, else the last one (for `serve status` after a stop). */
  latestServer(): ServerRecord | null {
    const r = this.db.prepare('SELECT * FROM servers ORDER BY active DESC, id DESC LIMIT 1').get() as Row | undefined;
    return r ? toServer(r) : null;
  }

  server(id: number): ServerRecord | null {
    const r = this.db.prepare('SELECT * FROM servers WHERE id = ?').get(id) as Row | undefined;
    return r ? toServer(r) : null;
  }

  insertServer(s: Pick<ServerRecord, 'hostname' | 'port' | 'binary' | 'startedAt'>): number {
    return Number(
      this.db
        .prepare(
          'INSERT INTO servers (hostname, port, binary, started_at) VALUES (@hostname, @port, @binary, @startedAt)',
        )
        .run(s).lastInsertRowid,
    );
  }

  setServerKeeper(id: number, pid: number, start: string | null): void {
    this.db.prepare('UPDATE servers SET keeper_pid = ?, keeper_start = ? WHERE id = ?').run(pid, start, id);
  }

  setServerPid(id: number, pid: number, restarted: boolean): void {
    this.db.prepare('UPDATE servers SET pid = ?, restarts = restarts + ? WHERE id = ?').run(pid, restarted ? 1 : 0, id);
  }

  endServer(id: number): void {
    this.db.prepare('UPDATE servers SET active = 0, stopped_at = ? WHERE id = ? AND active = 1').run(Date.now(), id);
  }

  appendEvent(jobId: number, kind: string, detail: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO job_events (job_id, at, kind, detail) VALUES (?, ?, ?, ?)')
      .run(jobId, Date.now(), kind, JSON.stringify(detail));
  }

  events(jobId: number): Array<{ at: number; kind: string; detail: Record<string, unknown> }> {
    return (
      this.db.prepare('SELECT at, kind, detail FROM job_events WHERE job_id = ? ORDER BY id').all(jobId) as Row[]
    ).map((r) => ({
      at: r.at as number,
      kind: r.kind as string,
      detail: JSON.parse((r.detail as string) ?? '{}') as Record<string, unknown>,
    }));
  }

  /** Every run of a bead started at or after `since`, oldest first (a wave item's attempts). */
  jobsSince(beads: string, since: number): JobRecord[] {
    return (
      this.db.prepare('SELECT * FROM jobs WHERE beads = ? AND started_at >= ? ORDER BY id').all(beads, since) as Row[]
    ).map(toRecord);
  }

  /** Records a wave and all its items at once: a wave is never half-written. */
  insertWave(
    critical: boolean,
    items: Array<{ beads: string; spec: ItemSpec; provider: string; fallbackReason: string | null }>,
  ): number {
    return this.transaction(() => {
      const id = Number(
        this.db.prepare('INSERT INTO waves (critical, created_at) VALUES (?, ?)').run(critical ? 1 : 0, Date.now())
          .lastInsertRowid,
      );
      const add = this.db.prepare(
        'INSERT INTO wave_items (wave_id, seq, beads, spec, provider, fallback_reason) VALUES (?, ?, ?, ?, ?, ?)',
      );
      items.forEach((it, i) => add.run(id, i, it.beads, JSON.stringify(it.spec), it.provider, it.fallbackReason));
      return id;
    });
  }

  wave(id: number): WaveRecord | null {
    const r = this.db.prepare('SELECT * FROM waves WHERE id = ?').get(id) as Row | undefined;
    return r ? toWave(r) : null;
  }

  latestWave(): WaveRecord | null {
    const r = this.db.prepare('SELECT * FROM waves ORDER BY id DESC LIMIT 1').get() as Row | undefined;
    return r ? toWave(r) : null;
  }

  runningWaves(): WaveRecord[] {
    return (this.db.prepare("SELECT * FROM waves WHERE state = 'running' ORDER BY id").all() as Row[]).map(toWave);
  }

  waveItems(waveId: number): WaveItemRecord[] {
    return (this.db.prepare('SELECT * FROM wave_items WHERE wave_id = ? ORDER BY seq').all(waveId) as Row[]).map(
      toItem,
    );
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
    const keys = Object.keys(u) as Array<keyof WaveItemUpdate>;
    if (!keys.length) return;
    this.db
      .prepare(`UPDATE wave_items SET ${keys.map((k) => `${ITEM_COLUMNS[k]} = @${k}`).join(', ')} WHERE id = @id`)
      .run({ ...u, id: itemId });
  }

  /** Makes this process the wave's driver unless a live one holds it (`alive` decides, under the write lock). */
  claimWaveDriver(
    waveId: number,
    pid: number,
    start: string | null,
    alive: (pid: number | null, start: string | null) => boolean,
  ): boolean {
    return this.transaction(() => {
      const w = this.wave(waveId);
      if (!w || w.state !== 'running' || (w.driverPid !== pid && alive(w.driverPid, w.driverStart))) return false;
      this.db.prepare('UPDATE waves SET driver_pid = ?, driver_start = ? WHERE id = ?').run(pid, start, waveId);
      return true;
    });
  }

  endWave(waveId: number, state: Exclude<WaveState, 'running'>): boolean {
    return (
      this.db
        .prepare("UPDATE waves SET state = ?, ended_at = ? WHERE id = ? AND state = 'running'")
        .run(state, Date.now(), waveId).changes === 1
    );
  }
}
