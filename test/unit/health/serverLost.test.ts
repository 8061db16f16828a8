import { describe, expect, it } from 'vitest';
import { emptySummary, serverLostOutcome, type AttachedServer, type Outcome } from '../../../src/health/index.js';

const failed = (reasonCode: string, exitCode: number | null = 1): Outcome => ({
  state: 'failed',
  reasonCode,
  exitCode,
});
const said = (errorMessage: string | null) => ({ ...emptySummary(), errorMessage });

describe('a client run whose server went away is server_lost', () => {
  it.each<[string, Outcome, string | null, AttachedServer, string]>([
    ['an empty error event, the server gone', failed('opencode_error_event'), '', 'gone', 'server_lost'],
    ['a non-zero exit, the server gone', failed('process_exit_with_rc'), null, 'gone', 'server_lost'],
    ['killed without an rc, the server gone', failed('process_exited_without_rc', null), null, 'gone', 'server_lost'],
    [
      'exit 0 without an answer, the server gone',
      failed('exit_zero_without_final_answer', 0),
      null,
      'gone',
      'server_lost',
    ],
    [
      'an empty error event, the same server still up',
      failed('opencode_error_event'),
      '',
      'same',
      'opencode_error_event',
    ],
    ['a cause of its own (429) is kept', failed('opencode_rate_limited'), '429', 'gone', 'opencode_rate_limited'],
    ['bad credentials are kept', failed('opencode_auth_failed'), '401', 'gone', 'opencode_auth_failed'],
    [
      'a headless run has no server to lose',
      failed('opencode_error_event'),
      'fetch failed',
      'none',
      'opencode_error_event',
    ],
    [
      'an unmanaged server, connection refused',
      failed('opencode_error_event'),
      'connect ECONNREFUSED',
      'unknown',
      'server_lost',
    ],
    [
      'an unmanaged server, the socket closed',
      failed('opencode_error_event'),
      'socket connection was closed unexpectedly',
      'unknown',
      'server_lost',
    ],
    [
      'an unmanaged server, another error',
      failed('opencode_error_event'),
      'tool failed',
      'unknown',
      'opencode_error_event',
    ],
    ['an unmanaged server, no message', failed('opencode_error_event'), '', 'unknown', 'opencode_error_event'],
  ])('%s', (_name, outcome, message, server, reason) => {
    expect(serverLostOutcome(outcome, said(message), server)).toEqual({ ...outcome, reasonCode: reason });
  });

  it('a run that succeeded keeps its success, whatever happened to the server after', () => {
    const ok: Outcome = { state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 };
    expect(serverLostOutcome(ok, said(null), 'gone')).toBe(ok);
  });
});
