/**
 * The plain shapes of a job's health that the store keeps and the health verdicts compute: here, below
 * both, so the store needs nothing from `health/`.
 */

/** What the agent's own output has shown so far (folded from AgentEvents). */
export interface OutputSummary {
  sessionId: string | null;
  tokensIn: number;
  tokensOut: number;
  /** a step finished for a reason other than tool calls: the agent gave its final answer */
  completed: boolean;
  /** the last error event's reason (the stream's own errors are authoritative) */
  errorReason: string | null;
  errorMessage: string | null;
  /** consecutive failed model calls the provider is retrying, since the last good step */
  retryStreak: number;
  retryReason: string | null;
  lastEvent: string | null;
}

/**
 * `blocked`: the watchdog gave up on the job after its retries (it is stopped, with the reason).
 * `governance_failed`: the agent succeeded but a required post-job gate failed.
 */
export type OutcomeState = 'success' | 'failed' | 'killed' | 'blocked' | 'governance_failed';

export interface Outcome {
  state: OutcomeState;
  reasonCode: string;
  exitCode: number | null;
}

export interface Thresholds {
  /** no provider output within this is normal start-up */
  startupGraceSec: number;
  /** no provider output (and no CPU progress) for this long = stalled */
  stallSec: number;
  /** no agent event and no mutation for this long, and no output at all = no-op */
  noOpWindowSec: number;
  maxRuntimeSec: number;
  /** alive this long without changing a file */
  noMutationTimeoutSec: number;
}
