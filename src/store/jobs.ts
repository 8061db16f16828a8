import type { Outcome, OutcomeState, OutputSummary } from '../contract/health.js';
import { col, immediate, Table, type Db, type RecordOf } from './db.js';
import type { Events } from './events.js';
import type { CommitPolicy } from '../contract/names.js';
import type { DeliveryResult } from '../contract/delivery.js';
import type { DeliveryFields, GateVerdicts, JobSettings, VerifyResult } from './jobTypes.js';

export type { DeliveryFields, FleetWorkerRef, JobSettings, VerifyResult } from './jobTypes.js';

/** One run of one bead. A restart makes a new row; the newest row is the bead's current job. */
export const jobsTable = new Table(
  'jobs',
  {
    id: col.id(),
    beads: col.text(),
    provider: col.text(),
    runInstance: col.text(),
    retries: col.int().default(0),
    active: col.bool().default(true),
    pid: col.int().null(),
    pidStart: col.text().null(),
    supervisorPid: col.int().null(),
    worktree: col.text(),
    promptFile: col.text(),
    model: col.text(),
    executionMode: col.text(),
    fallbackReason: col.text().default('none'),
    host: col.text(),
    cwd: col.text(),
    dir: col.text(),
    startedAt: col.int(),
    completedAt: col.int().null(),
    exitCode: col.int().null(),
    outcomeState: col.text<OutcomeState>().null(),
    outcomeReason: col.text().null(),
    startHead: col.text(),
    baseline: col.text(),
    mutations: col.int().default(0),
    outputBytes: col.int().default(0),
    firstOutputAt: col.int().null(),
    lastOutputAt: col.int().null(),
    lastEvent: col.text().null(),
    sessionId: col.text().null(),
    tokensIn: col.int().default(0),
    tokensOut: col.int().default(0),
    settings: col.json<JobSettings>(),
    // added by later versions (ALTER TABLE in older stores), so last in every store
    lastHeartbeatAt: col.int().null(),
    cpuSec: col.real().default(0),
    lastCpuProgressAt: col.int().null(),
    /** verdicts of the post-job gates, by gate name (empty until they ran) */
    gates: col.json<GateVerdicts>().default({}),
    commitPolicy: col.text<CommitPolicy>().default('off'),
    /** the commit the job's work ended in (its own or the agent's); null: none */
    reportedCommit: col.text().null(),
    branch: col.text().null(),
    /** the command run in the worktree after the commit; null: none */
    verifyCmd: col.text().null(),
    verifyResult: col.json<VerifyResult>().null(),
    /** what delivering the job's branch did (push, merge, land); null until it was delivered */
    delivery: col.json<DeliveryResult>().null(),
  },
  [
    // the guarantee behind "one live job per bead", enforced by the database itself
    'CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_active_per_bead ON jobs(beads) WHERE active = 1',
    'CREATE INDEX IF NOT EXISTS jobs_by_bead ON jobs(beads, id)',
  ],
);

export type JobRecord = RecordOf<typeof jobsTable.columns>;

/** What start records; the rest of the row is filled in by the run. */
export const NEW_JOB_FIELDS = [
  'beads',
  'provider',
  'runInstance',
  'retries',
  'worktree',
  'promptFile',
  'model',
  'executionMode',
  'fallbackReason',
  'host',
  'cwd',
  'dir',
  'startedAt',
  'startHead',
  'baseline',
  'settings',
  'commitPolicy',
  'verifyCmd',
] as const;

export type NewJob = Pick<JobRecord, (typeof NEW_JOB_FIELDS)[number]>;

export const outcomeOf = (j: JobRecord): Outcome | null =>
  j.outcomeState ? { state: j.outcomeState, reasonCode: j.outcomeReason ?? '', exitCode: j.exitCode } : null;

/** What the agent's output showed, as the job row keeps it. */
type SummarySeen = Pick<OutputSummary, 'sessionId' | 'tokensIn' | 'tokensOut' | 'lastEvent'>;

/** The jobs table: one row per run; a run is live while `active` and ends by `finalize`, once. */
export class Jobs {
  constructor(
    private readonly db: Db,
    private readonly events: Events,
  ) {}

  get(id: number): JobRecord | null {
    return jobsTable.one(this.db, 'SELECT * FROM jobs WHERE id = ?', id);
  }

  /** The bead's live run (at most one: the partial unique index). */
  active(beads: string): JobRecord | null {
    return jobsTable.one(this.db, 'SELECT * FROM jobs WHERE beads = ? AND active = 1', beads);
  }

  activeOf(provider: string): JobRecord[] {
    return jobsTable.all(this.db, 'SELECT * FROM jobs WHERE provider = ? AND active = 1', provider);
  }

  latest(beads: string): JobRecord | null {
    return jobsTable.one(this.db, 'SELECT * FROM jobs WHERE beads = ? ORDER BY id DESC LIMIT 1', beads);
  }

  /** The current job of every bead: active ones first, then the newest finished ones (`limit` < 0: all). */
  current(finishedLimit: number): JobRecord[] {
    const active = jobsTable.all(this.db, 'SELECT * FROM jobs WHERE active = 1 ORDER BY started_at');
    const finished = jobsTable.all(
      this.db,
      `SELECT j.* FROM jobs j
       WHERE j.active = 0 AND j.id = (SELECT MAX(id) FROM jobs k WHERE k.beads = j.beads)
       ORDER BY j.completed_at DESC LIMIT ?`,
      finishedLimit,
    );
    return [...active, ...finished];
  }

  /** Beads whose newest run ended with this outcome reason (e.g. server_lost, for re-dispatch). */
  latestEndedWith(reason: string): JobRecord[] {
    return jobsTable.all(
      this.db,
      `SELECT j.* FROM jobs j WHERE j.active = 0 AND j.outcome_reason = ?
       AND j.id = (SELECT MAX(id) FROM jobs k WHERE k.beads = j.beads)`,
      reason,
    );
  }

  /** Every run of a bead started at or after `since`, oldest first (a wave item's attempts). */
  since(beads: string, since: number): JobRecord[] {
    return jobsTable.all(this.db, 'SELECT * FROM jobs WHERE beads = ? AND started_at >= ? ORDER BY id', beads, since);
  }

  /** Records a live run; fails on the unique index if the bead already has one. */
  insert(j: NewJob): number {
    const id = jobsTable.inserter(this.db, NEW_JOB_FIELDS)(j);
    this.events.append(id, { kind: 'created', provider: j.provider, model: j.model, worktree: j.worktree });
    return id;
  }

  setLaunched(id: number, pid: number, pidStart: string | null, supervisorPid: number | null): void {
    jobsTable.update(this.db, id, { pid, pidStart, supervisorPid });
    this.events.append(id, { kind: 'launched', pid });
  }

  /** Why this run is on a fallback provider (a wave's re-dispatch); shown by check and report. */
  /** Keeps what delivering the job's branch did (the last delivery wins: a failed one may be tried again). */
  setDelivery(id: number, delivery: DeliveryResult): void {
    jobsTable.update(this.db, id, { delivery });
  }

  setFallbackReason(id: number, reason: string): void {
    jobsTable.update(this.db, id, { fallbackReason: reason });
  }

  setSupervisor(id: number, supervisorPid: number): void {
    jobsTable.update(this.db, id, { supervisorPid });
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
      summary: SummarySeen;
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
   * Replaces the outcome of an ended run that is still `from` (a run ended to wait out its provider's rate-limit
   * pause): once, so a `stop` during the pause and the relaunch after it cannot both win.
   */
  endPaused(id: number, from: string, o: Outcome): boolean {
    return immediate(this.db, () => {
      const info = this.db
        .prepare(
          `UPDATE jobs SET outcome_state = ?, outcome_reason = ?, exit_code = ?
           WHERE id = ? AND active = 0 AND outcome_reason = ?`,
        )
        .run(o.state, o.reasonCode, o.exitCode, id, from);
      if (info.changes === 0) return false;
      this.events.append(id, { kind: 'finalized', state: o.state, reason_code: o.reasonCode, exit_code: o.exitCode });
      return true;
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
      summary: SummarySeen;
      gates?: GateVerdicts;
      delivery?: DeliveryFields;
    },
  ): boolean {
    return immediate(this.db, () => {
      const info = this.db
        .prepare(
          `UPDATE jobs SET active = 0, outcome_state = @state, outcome_reason = @reason, exit_code = @exitCode,
             completed_at = @completedAt, mutations = @mutations, output_bytes = MAX(output_bytes, @outputBytes),
             -- output is timed when the supervisor reads it, possibly just after the agent exited: it was said before
             first_output_at = MIN(first_output_at, @completedAt), last_output_at = MIN(last_output_at, @completedAt),
             session_id = COALESCE(session_id, @sessionId), tokens_in = @tokensIn, tokens_out = @tokensOut,
             last_event = COALESCE(@lastEvent, last_event), gates = @gates,
             reported_commit = @reportedCommit, branch = @branch, verify_result = @verifyResult
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
          gates: jobsTable.columns.gates.write(f.gates ?? {}),
          reportedCommit: f.delivery?.reportedCommit ?? null,
          branch: f.delivery?.branch ?? null,
          verifyResult: jobsTable.columns.verifyResult.write(f.delivery?.verifyResult ?? null),
        });
      if (info.changes === 0) return false;
      this.events.append(id, { kind: 'finalized', state: o.state, reason_code: o.reasonCode, exit_code: o.exitCode });
      return true;
    });
  }
}
