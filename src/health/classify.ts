import type { Outcome, OutcomeState, Thresholds } from '../contract/health.js';

export const HEALTH_STATES = [
  'missing',
  'launching',
  'slow_start',
  'waiting_first_output',
  'silent_mutation',
  'healthy',
  'stalled',
  'no_op',
  'no_op_success',
  'exited_ok',
  'exited_err',
  'governance_failed',
  'blocked',
  'stopped',
  /** the run hit a rate limit: it relaunches once its provider's pause ends */
  'paused',
] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** States after which nothing more will happen to the job. */
export const TERMINAL_STATES: ReadonlySet<HealthState> = new Set([
  'missing',
  'no_op_success',
  'exited_ok',
  'exited_err',
  'governance_failed',
  'blocked',
  'stopped',
]);

/** Everything the verdict depends on, gathered by the caller; classification itself reads nothing. */
export interface HealthSnapshot {
  now: number;
  job: {
    startedAt: number;
    /** when the agent last said something (a content event; null: nothing yet). Runner markers never count. */
    lastOutputAt: number | null;
    /** last event parsed from the agent's own stream */
    lastHeartbeatAt: number | null;
    mutations: number;
    /** CPU seconds used by the agent's process tree so far */
    cpuSec: number;
    /** when the process tree last used a full CPU second more */
    lastCpuProgressAt: number | null;
    /** set once the job is finalized */
    outcome: Outcome | null;
  } | null;
  alive: boolean;
  /** for a dead, not yet finalized job: what finalization will record */
  pendingOutcome: Outcome | null;
  thresholds: Thresholds;
}

export interface Health {
  state: HealthState;
  reasonCode: string;
}

/** A job's thresholds as the `--json` outputs show them (`thresholds_sec`: report, profiles --show, start's plan). */
export const thresholdsSec = (t: Thresholds) => ({
  startup_grace: t.startupGraceSec,
  stall: t.stallSec,
  no_op_window: t.noOpWindowSec,
  max_runtime: t.maxRuntimeSec,
  no_mutation_timeout: t.noMutationTimeoutSec,
});

/**
 * The one vocabulary: every command shows a job by its state. The outcome stored with a finished run keeps
 * the older dx-runner's names (`success`, `failed`, `killed`), which only `report`'s `outcome_state` and
 * `status`'s `outcome` show; this table says which state each one is. A success that changed no file is
 * `no_op_success` instead.
 */
export const OUTCOME_STATE_TO_STATE = {
  success: 'exited_ok',
  failed: 'exited_err',
  killed: 'stopped',
  blocked: 'blocked',
  governance_failed: 'governance_failed',
} as const satisfies Record<OutcomeState, HealthState>;

/** The table in words, for the schemas of the fields that show an outcome name. */
export const OUTCOME_STATES_IN_WORDS = `${Object.entries(OUTCOME_STATE_TO_STATE)
  .map(([o, s]) => `${o} = ${s}`)
  .join(', ')} (a success that changed no file: no_op_success)`;

/** The state of a run whose outcome is recorded (`mutations`: the files it changed). */
export const stateOfOutcome = (o: OutcomeState, mutations: number): HealthState =>
  o === 'success' && mutations === 0 ? 'no_op_success' : OUTCOME_STATE_TO_STATE[o];

/** The outcome of a rate-limited run whose job waits out its provider's pause, then relaunches. */
export const RATE_LIMIT_BACKOFF = 'rate_limit_backoff';

function fromOutcome(o: Outcome, mutations: number): Health {
  if (o.reasonCode === RATE_LIMIT_BACKOFF) return { state: 'paused', reasonCode: RATE_LIMIT_BACKOFF };
  const state = stateOfOutcome(o.state, mutations);
  return { state, reasonCode: state === 'no_op_success' ? 'exit_zero_no_mutations' : o.reasonCode };
}

/**
 * The health state machine: ordered rules over one
 * snapshot. A job with no output and no CPU progress past the stall threshold is stalled, not
 * "waiting" for ever; only the provider's own output and events count as signs of life.
 */
export function classifyHealth(s: HealthSnapshot): Health {
  const job = s.job;
  if (!job) return { state: 'missing', reasonCode: 'no_meta' };
  if (job.outcome) return fromOutcome(job.outcome, job.mutations);
  if (!s.alive) {
    return fromOutcome(
      s.pendingOutcome ?? { state: 'failed', reasonCode: 'process_exited_without_rc', exitCode: null },
      job.mutations,
    );
  }

  const t = s.thresholds;
  const ageSec = (s.now - job.startedAt) / 1000;
  const inGrace = ageSec < t.startupGraceSec;
  const cpuRecent = job.lastCpuProgressAt !== null && (s.now - job.lastCpuProgressAt) / 1000 < t.stallSec;
  const heartbeatAgeSec = (s.now - (job.lastHeartbeatAt ?? job.startedAt)) / 1000;

  if (ageSec > t.maxRuntimeSec) return { state: 'stalled', reasonCode: 'max_runtime_exceeded' };
  if (job.mutations === 0 && ageSec > t.noMutationTimeoutSec)
    return { state: 'stalled', reasonCode: 'no_mutation_timeout' };

  const saidNothing = job.lastOutputAt === null;
  if (heartbeatAgeSec > t.noOpWindowSec && job.mutations === 0 && saidNothing) {
    if (inGrace && cpuRecent) return { state: 'slow_start', reasonCode: 'startup_scan_in_progress' };
    return { state: 'no_op', reasonCode: 'no_heartbeat_no_mutation' };
  }

  if (saidNothing) {
    if (job.mutations > 0) return { state: 'silent_mutation', reasonCode: 'worktree_changed_no_output' };
    if (inGrace) {
      // a booted agent (it has used CPU) that has not answered yet is a slow start, not a launch
      return job.cpuSec >= 1
        ? { state: 'slow_start', reasonCode: 'startup_cpu_progress_no_output' }
        : { state: 'launching', reasonCode: 'startup_grace_no_output' };
    }
    if (ageSec > t.stallSec) {
      return cpuRecent
        ? { state: 'waiting_first_output', reasonCode: 'cpu_progress_no_output_past_threshold' }
        : { state: 'stalled', reasonCode: 'no_output_no_progress_after_threshold' };
    }
    return cpuRecent
      ? { state: 'launching', reasonCode: 'cpu_progress_no_output' }
      : { state: 'launching', reasonCode: 'no_output_within_grace' };
  }

  const quietSec = (s.now - (job.lastOutputAt as number)) / 1000;
  if (quietSec > t.stallSec) {
    return cpuRecent
      ? { state: 'healthy', reasonCode: 'cpu_progress' }
      : { state: 'stalled', reasonCode: 'stale_log_and_no_cpu_progress' };
  }
  return { state: 'healthy', reasonCode: 'recent_output_activity' };
}
