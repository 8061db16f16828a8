import { describe, expect, it } from 'vitest';
import {
  decideOutcome,
  emptySummary,
  forcedOutcome,
  REASON_CODE,
  type OutputSummary,
} from '../../../src/health/index.js';

describe('outcome decision', () => {
  const done = { ...emptySummary(), completed: true };
  it.each([
    ['clean exit with final answer', 0, done, 'success', 'process_exit_with_rc'],
    ['exit 0 without a final answer', 0, emptySummary(), 'failed', 'exit_zero_without_final_answer'],
    [
      'error event wins over exit 0',
      0,
      { ...done, errorReason: 'opencode_auth_failed' },
      'failed',
      'opencode_auth_failed',
    ],
    ['non-zero exit', 1, done, 'failed', 'process_exit_with_rc'],
    [
      'non-zero exit after retries',
      1,
      { ...done, retryReason: 'opencode_rate_limited' },
      'failed',
      'opencode_rate_limited',
    ],
    ['killed, no rc', null, done, 'failed', 'process_exited_without_rc'],
  ] as const)('%s', (_name, rc, summary, state, reason) => {
    expect(decideOutcome(rc, summary as OutputSummary)).toMatchObject({ state, reasonCode: reason });
  });
});

describe('forced outcome (finalize)', () => {
  it.each([
    [0, 'success'],
    [137, 'killed'],
    [1, 'failed'],
    [124, 'failed'],
    [23, 'failed'],
  ] as const)('exit %s → %s', (exitCode, state) => {
    expect(forcedOutcome('forced_finalization', exitCode)).toEqual({
      state,
      reasonCode: 'forced_finalization',
      exitCode,
    });
  });

  it.each([
    ['forced_finalization', true],
    ['max_runtime_exceeded', true],
    ['Bad', false],
    ['has space', false],
    ['', false],
  ])('reason %j is a reason code: %s', (code, ok) => {
    expect(REASON_CODE.test(code)).toBe(ok);
  });
});
