import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkExitCode, classifyHealth, decideOutcome, emptySummary, foldEvent, type HealthSnapshot, type OutputSummary } from '../../src/health/index.js';
import { mutationsSince } from '../../src/governance/git.js';
import { classifyFailure } from '../../src/providers/errors.js';
import { opencodeAdapter } from '../../src/providers/opencode.js';
import { validateBeadsId } from '../../src/jobs/validate.js';
import { CliError } from '../../src/cli/errors.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);

describe('bead ids', () => {
  it.each([
    ['bd-xga8.14', true],
    ['bd-xga8', true],
    ['A1_b-c.d', true],
    ['../x', false],
    ['a/b', false],
    ['.hidden', false],
    ['-flag', false],
    ['', false],
    ['x'.repeat(129), false],
  ])('%s valid=%s', (id, ok) => {
    if (ok) expect(validateBeadsId(id)).toBe(id);
    else expect(() => validateBeadsId(id)).toThrow(CliError);
  });
});

describe('provider failure taxonomy', () => {
  it.each([
    [401, '', 'auth_failed'],
    [403, '', 'auth_failed'],
    [404, '', 'model_unavailable'],
    [429, '', 'rate_limited'],
    [500, '', 'provider_error'],
    [503, '', 'provider_error'],
    [undefined, 'AI_APICallError: Rate limit reached for requests', 'rate_limited'],
    [undefined, 'ProviderModelNotFoundError: model glm-9 not found', 'model_unavailable'],
    [undefined, 'Invalid API key provided', 'auth_failed'],
    [undefined, 'Internal server error', 'provider_error'],
    [undefined, 'something odd happened', 'error_event'],
  ])('status %s message %j → %s', (status, message, cls) => {
    expect(classifyFailure(status, message)).toBe(cls);
  });
});

describe('opencode event stream (captured from real opencode runs)', () => {
  const fold = (lines: string[], parse: (l: string) => ReturnType<typeof opencodeAdapter.parseStdoutLine>) =>
    lines.flatMap(parse).reduce<OutputSummary>(foldEvent, emptySummary());

  it('an edit run: session id, tool use, final answer, tokens', () => {
    const s = fold(fixture('opencode-edit.jsonl'), opencodeAdapter.parseStdoutLine);
    expect(s.sessionId).toMatch(/^ses_/);
    expect(s.completed).toBe(true);
    expect(s.errorReason).toBeNull();
    expect(s.tokensIn).toBe(20);
    expect(decideOutcome(0, s)).toEqual({ state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 });
  });

  it('a 401 error event → opencode_auth_failed even if the exit code were 0', () => {
    const s = fold(fixture('opencode-401.jsonl'), opencodeAdapter.parseStdoutLine);
    expect(s.errorReason).toBe('opencode_auth_failed');
    expect(decideOutcome(0, s).state).toBe('failed');
  });

  it('retried 429s on stderr count as a retry streak with the rate-limit reason', () => {
    const s = fold(fixture('opencode-429.stderr'), opencodeAdapter.parseStderrLine);
    expect(s.retryStreak).toBe(3);
    expect(s.retryReason).toBe('opencode_rate_limited');
  });

  it('ignores lines that are not JSON events', () => {
    expect(opencodeAdapter.parseStdoutLine('not json')).toEqual([]);
    expect(opencodeAdapter.parseStdoutLine('42')).toEqual([]);
    expect(opencodeAdapter.parseStderrLine('INFO something')).toEqual([]);
  });
});

describe('outcome decision', () => {
  const done = { ...emptySummary(), completed: true };
  it.each([
    ['clean exit with final answer', 0, done, 'success', 'process_exit_with_rc'],
    ['exit 0 without a final answer', 0, emptySummary(), 'failed', 'exit_zero_without_final_answer'],
    ['error event wins over exit 0', 0, { ...done, errorReason: 'opencode_auth_failed' }, 'failed', 'opencode_auth_failed'],
    ['non-zero exit', 1, done, 'failed', 'process_exit_with_rc'],
    ['non-zero exit after retries', 1, { ...done, retryReason: 'opencode_rate_limited' }, 'failed', 'opencode_rate_limited'],
    ['killed, no rc', null, done, 'failed', 'process_exited_without_rc'],
  ] as const)('%s', (_name, rc, summary, state, reason) => {
    expect(decideOutcome(rc, summary as OutputSummary)).toMatchObject({ state, reasonCode: reason });
  });
});

describe('health classification', () => {
  const now = 1_000_000;
  const base: HealthSnapshot = {
    now,
    job: { startedAt: now - 10_000, outputBytes: 100, lastOutputAt: now - 1_000, mutations: 1, outcome: null },
    alive: true,
    pendingOutcome: null,
    thresholds: { startupGraceSec: 60, stallSec: 120 },
  };
  const job = (o: Partial<NonNullable<HealthSnapshot['job']>>) => ({ ...base.job!, ...o });
  it.each<[string, HealthSnapshot, string, string, number]>([
    ['no record', { ...base, job: null }, 'missing', 'no_meta', 1],
    ['no output, inside grace', { ...base, job: job({ outputBytes: 0 }) }, 'launching', 'startup_grace_no_output', 0],
    ['no output, past grace', { ...base, job: job({ outputBytes: 0, startedAt: now - 90_000 }) }, 'launching', 'no_output_within_grace', 0],
    ['no output, past stall', { ...base, job: job({ outputBytes: 0, startedAt: now - 200_000 }) }, 'stalled', 'no_output_no_progress_after_threshold', 2],
    ['recent output', base, 'healthy', 'recent_output_activity', 0],
    ['output gone quiet', { ...base, job: job({ lastOutputAt: now - 130_000 }) }, 'stalled', 'no_output_past_stall_threshold', 2],
    ['finished ok with edits', { ...base, alive: false, job: job({ outcome: { state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 } }) }, 'exited_ok', 'process_exit_with_rc', 0],
    ['finished ok, no edits', { ...base, alive: false, job: job({ mutations: 0, outcome: { state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 } }) }, 'no_op_success', 'exit_zero_no_mutations', 0],
    ['failed', { ...base, alive: false, job: job({ outcome: { state: 'failed', reasonCode: 'opencode_auth_failed', exitCode: 1 } }) }, 'exited_err', 'opencode_auth_failed', 3],
    ['stopped', { ...base, alive: false, job: job({ outcome: { state: 'killed', reasonCode: 'manual_stop', exitCode: 137 } }) }, 'stopped', 'manual_stop', 0],
    ['dead, not finalized, killed -9', { ...base, alive: false }, 'exited_err', 'process_exited_without_rc', 3],
    ['dead, not finalized, clean exit', { ...base, alive: false, pendingOutcome: { state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 } }, 'exited_ok', 'process_exit_with_rc', 0],
    ['outcome wins over a live process', { ...base, job: job({ outcome: { state: 'failed', reasonCode: 'opencode_rate_limited', exitCode: null } }) }, 'exited_err', 'opencode_rate_limited', 3],
  ])('%s → %s', (_name, snap, state, reason, exit) => {
    const h = classifyHealth(snap);
    expect(h).toEqual({ state, reasonCode: reason });
    expect(checkExitCode(h)).toBe(exit);
  });
});

describe('mutation counting', () => {
  it.each<[string, string[], Record<string, string>, Record<string, string>, string[]]>([
    ['new files count', ['a', 'b'], {}, {}, ['a', 'b']],
    ['pre-dirty file untouched does not count', ['a', 'pre'], { pre: 'h1' }, { pre: 'h1' }, ['a']],
    ['pre-dirty file edited again counts', ['pre'], { pre: 'h1' }, { pre: 'h2' }, ['pre']],
    ['pre-dirty file deleted counts', ['pre'], { pre: 'h1' }, { pre: 'absent' }, ['pre']],
  ])('%s', (_n, changed, baseline, now, expected) => {
    expect(mutationsSince(changed, baseline, now)).toEqual(expected);
  });
});
