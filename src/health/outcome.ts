import { redact } from '../governance/secrets.js';
import type { AgentEvent } from '../providers/types.js';
import type { Outcome, OutputSummary } from '../contract/health.js';

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

const unplaced = (reason: string) => reason.endsWith('_error_event');

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
      // an error no rule places (OpenCode's UnknownError) does not hide the cause another line named;
      // report shows the message, redacted: a provider's error may echo a key
      if (unplaced(e.reason) && s.errorReason && !unplaced(s.errorReason)) return { ...s, lastEvent: 'error' };
      return { ...s, errorReason: e.reason, errorMessage: redact(e.message), lastEvent: 'error' };
    case 'retry':
      return { ...s, retryStreak: s.retryStreak + 1, retryReason: e.reason, lastEvent: 'retry' };
  }
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

/** A reason code as the catalog spells them (finalize --reason): lower case, digits, underscores. */
export const REASON_CODE = /^[a-z][a-z0-9_]*$/;

/**
 * The outcome an operator forces on a running job (`finalize`), its state from the exit code as the bash
 * dx-runner decided it: 0 success, 137 killed (shown as stopped), anything else failed.
 */
export function forcedOutcome(reasonCode: string, exitCode: number): Outcome {
  const state = exitCode === 0 ? 'success' : exitCode === 137 ? 'killed' : 'failed';
  return { state, reasonCode, exitCode };
}
