import type { Outcome, OutputSummary } from '../contract/health.js';

/**
 * The shared server a run was a client of, as found when the run ends: `same` (the process that served it still
 * runs), `gone` (stopped, dead, or restarted since the run began), `unknown` (a server dx-runner does not manage),
 * `none` (the run had no server: headless).
 */
export type AttachedServer = 'same' | 'gone' | 'unknown' | 'none';

/** Verdicts that name no cause of their own: a client whose server went away ends with one of these. */
const UNPLACED = /_error_event$|^process_exit_with_rc$|^process_exited_without_rc$|^exit_zero_without_final_answer$/;

/** What a client prints when the connection to its server fails (Bun's and Node's fetch, sockets). */
const CONNECTION_LOST =
  /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|unable to connect|connection (was )?(closed|refused|reset)/i;

/**
 * Pure: a client run (attach lane) that failed without a cause of its own failed because its server went away —
 * `server_lost`, re-dispatchable — when the server it attached to is gone, or, for a server whose process cannot be
 * checked, when the client's error says the connection failed. A failure with its own cause (a 429, bad
 * credentials) and a run whose server still runs keep their verdict.
 */
export function serverLostOutcome(outcome: Outcome, summary: OutputSummary, server: AttachedServer): Outcome {
  if (outcome.state !== 'failed' || !UNPLACED.test(outcome.reasonCode)) return outcome;
  const lost = server === 'gone' || (server === 'unknown' && CONNECTION_LOST.test(summary.errorMessage ?? ''));
  return lost ? { ...outcome, reasonCode: 'server_lost' } : outcome;
}
