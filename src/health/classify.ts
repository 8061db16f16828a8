import type { Outcome } from './outcome.js';

export type HealthState =
  | 'missing'
  | 'launching'
  | 'healthy'
  | 'stalled'
  | 'exited_ok'
  | 'no_op_success'
  | 'exited_err'
  | 'stopped';

export interface Thresholds {
  startupGraceSec: number;
  stallSec: number;
}

/** Everything the verdict depends on, gathered by the caller; classification itself reads nothing. */
export interface HealthSnapshot {
  now: number;
  job: {
    startedAt: number;
    outputBytes: number;
    lastOutputAt: number | null;
    mutations: number;
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

function fromOutcome(o: Outcome, mutations: number): Health {
  if (o.state === 'killed') return { state: 'stopped', reasonCode: o.reasonCode };
  if (o.state === 'failed') return { state: 'exited_err', reasonCode: o.reasonCode };
  if (mutations === 0) return { state: 'no_op_success', reasonCode: 'exit_zero_no_mutations' };
  return { state: 'exited_ok', reasonCode: o.reasonCode };
}

export function classifyHealth(s: HealthSnapshot): Health {
  const job = s.job;
  if (!job) return { state: 'missing', reasonCode: 'no_meta' };
  if (job.outcome) return fromOutcome(job.outcome, job.mutations);
  if (!s.alive) {
    return fromOutcome(s.pendingOutcome ?? { state: 'failed', reasonCode: 'process_exited_without_rc', exitCode: null }, job.mutations);
  }
  const ageSec = (s.now - job.startedAt) / 1000;
  if (job.outputBytes === 0) {
    if (ageSec < s.thresholds.startupGraceSec) return { state: 'launching', reasonCode: 'startup_grace_no_output' };
    if (ageSec > s.thresholds.stallSec) return { state: 'stalled', reasonCode: 'no_output_no_progress_after_threshold' };
    return { state: 'launching', reasonCode: 'no_output_within_grace' };
  }
  const quietSec = (s.now - (job.lastOutputAt ?? job.startedAt)) / 1000;
  if (quietSec > s.thresholds.stallSec) return { state: 'stalled', reasonCode: 'no_output_past_stall_threshold' };
  return { state: 'healthy', reasonCode: 'recent_output_activity' };
}

/** `check` exit codes (reference §1.3): stalled 2, failed 3, no-op 23, no record 1, else 0. */
export function checkExitCode(h: Health): number {
  switch (h.state) {
    case 'stalled':
      return 2;
    case 'exited_err':
      return 3;
    case 'missing':
      return 1;
    default:
      return 0;
  }
}
