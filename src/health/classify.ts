import type { Outcome, Thresholds } from '../contract/health.js';

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

function fromOutcome(o: Outcome, mutations: number): Health {
  switch (o.state) {
    case 'killed':
      return { state: 'stopped', reasonCode: o.reasonCode };
    case 'blocked':
      return { state: 'blocked', reasonCode: o.reasonCode };
    case 'governance_failed':
      return { state: 'governance_failed', reasonCode: o.reasonCode };
    case 'failed':
      return { state: 'exited_err', reasonCode: o.reasonCode };
    case 'success':
      return mutations === 0
        ? { state: 'no_op_success', reasonCode: 'exit_zero_no_mutations' }
        : { state: 'exited_ok', reasonCode: o.reasonCode };
  }
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
