import type { AgentEvent } from '../providers/types.js';

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

export const emptySummary = (): OutputSummary => ({
  sessionId: null,
  tokensIn: 0,
  tokensOut: 0,
  completed: false,
  errorReason: null,
  errorMessage: null,
  retryStreak: 0,
  retryReason: null,
  lastEvent: null,
});

export function foldEvent(s: OutputSummary, e: AgentEvent): OutputSummary {
  switch (e.kind) {
    case 'session':
      return s.sessionId ? s : { ...s, sessionId: e.sessionId };
    case 'text':
      return { ...s, retryStreak: 0, lastEvent: 'text' };
    case 'tool':
      return { ...s, retryStreak: 0, lastEvent: `tool:${e.tool}` };
    case 'step_finish':
      return {
        ...s,
        tokensIn: s.tokensIn + e.tokensIn,
        tokensOut: s.tokensOut + e.tokensOut,
        completed: s.completed || e.final,
        retryStreak: 0,
        lastEvent: 'step_finish',
      };
    case 'error':
      return { ...s, errorReason: e.reason, errorMessage: e.message, lastEvent: 'error' };
    case 'retry':
      return { ...s, retryStreak: s.retryStreak + 1, retryReason: e.reason, lastEvent: 'retry' };
  }
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

/**
 * The terminal verdict of a job whose process has ended. The exit code alone is not trusted:
 * OpenCode has exited 0 after an error, so the event stream decides as well.
 */
export function decideOutcome(exitCode: number | null, summary: OutputSummary): Outcome {
  if (summary.errorReason) return { state: 'failed', reasonCode: summary.errorReason, exitCode };
  if (exitCode === null) return { state: 'failed', reasonCode: 'process_exited_without_rc', exitCode };
  if (exitCode !== 0) {
    return { state: 'failed', reasonCode: summary.retryReason ?? 'process_exit_with_rc', exitCode };
  }
  if (!summary.completed) return { state: 'failed', reasonCode: 'exit_zero_without_final_answer', exitCode };
  return { state: 'success', reasonCode: 'process_exit_with_rc', exitCode };
}
