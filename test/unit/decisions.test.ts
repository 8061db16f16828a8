import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  classifyHealth,
  decideOutcome,
  emptySummary,
  foldEvent,
  HEALTH_STATES,
  type HealthSnapshot,
  type OutputSummary,
} from '../../src/health/index.js';
import { mutationsSince } from '../../src/governance/git.js';
import { classifyFailure } from '../../src/providers/errors.js';
import { opencodeAdapter } from '../../src/providers/opencode.js';
import { validateBeadsId } from '../../src/jobs/validate.js';
import { checkExitCode, preflightExitCode } from '../../src/cli/exit.js';
import { DxError } from '../../src/core/errors.js';
import { decideModel, fallbackAfter } from '../../src/providers/policy.js';
import { preflightFindings, type PreflightFacts } from '../../src/providers/preflight.js';

const fixture = (name: string) =>
  fs
    .readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);

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
    else expect(() => validateBeadsId(id)).toThrow(DxError);
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

describe('health classification: one row per rule', () => {
  const now = 10_000_000;
  const sec = 1000;
  const thresholds = {
    startupGraceSec: 60,
    stallSec: 120,
    noOpWindowSec: 300,
    maxRuntimeSec: 3600,
    noMutationTimeoutSec: 1800,
  };
  type Job = NonNullable<HealthSnapshot['job']>;
  /** a job 10 s old that has produced output a second ago and changed one file */
  const running: Job = {
    startedAt: now - 10 * sec,
    lastOutputAt: now - sec,
    lastHeartbeatAt: now - sec,
    mutations: 1,
    cpuSec: 3,
    lastCpuProgressAt: now - 2 * sec,
    outcome: null,
  };
  const snap = (job: Partial<Job> | null, extra: Partial<HealthSnapshot> = {}): HealthSnapshot => ({
    now,
    job: job === null ? null : { ...running, ...job },
    alive: true,
    pendingOutcome: null,
    thresholds,
    ...extra,
  });
  const silent = { lastOutputAt: null, lastHeartbeatAt: null, mutations: 0 };
  const ok = { state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 } as const;

  it.each<[string, string, string, number, HealthSnapshot]>([
    // [case, state, reason_code, check exit code, snapshot]
    ['no record', 'missing', 'no_meta', 1, snap(null)],
    // finished: the outcome decides
    ['finished ok with edits', 'exited_ok', 'process_exit_with_rc', 0, snap({ outcome: ok }, { alive: false })],
    [
      'finished ok, nothing changed',
      'no_op_success',
      'exit_zero_no_mutations',
      0,
      snap({ mutations: 0, outcome: ok }, { alive: false }),
    ],
    [
      'failed',
      'exited_err',
      'opencode_auth_failed',
      3,
      snap({ outcome: { state: 'failed', reasonCode: 'opencode_auth_failed', exitCode: 1 } }, { alive: false }),
    ],
    [
      'stopped by the operator',
      'stopped',
      'manual_stop',
      0,
      snap({ outcome: { state: 'killed', reasonCode: 'manual_stop', exitCode: 137 } }, { alive: false }),
    ],
    [
      'a required gate failed after success',
      'governance_failed',
      'path_outside_allowlist',
      3,
      snap(
        { outcome: { state: 'governance_failed', reasonCode: 'path_outside_allowlist', exitCode: 0 } },
        { alive: false },
      ),
    ],
    [
      'blocked by the watchdog',
      'blocked',
      'blocked_no_output_no_progress_after_threshold',
      3,
      snap(
        { outcome: { state: 'blocked', reasonCode: 'blocked_no_output_no_progress_after_threshold', exitCode: null } },
        { alive: false },
      ),
    ],
    [
      'an outcome wins over a lingering process',
      'exited_err',
      'opencode_rate_limited',
      3,
      snap({ outcome: { state: 'failed', reasonCode: 'opencode_rate_limited', exitCode: null } }),
    ],
    // ended but not finalized yet
    ['dead, killed -9 (no rc)', 'exited_err', 'process_exited_without_rc', 3, snap({}, { alive: false })],
    [
      'dead, clean exit awaiting finalize',
      'exited_ok',
      'process_exit_with_rc',
      0,
      snap({}, { alive: false, pendingOutcome: ok }),
    ],
    // timeouts
    ['past max runtime', 'stalled', 'max_runtime_exceeded', 2, snap({ startedAt: now - 3700 * sec })],
    [
      'no file changed for too long',
      'stalled',
      'no_mutation_timeout',
      2,
      snap({ startedAt: now - 1900 * sec, mutations: 0 }),
    ],
    // no-op window
    [
      'no heartbeat, no mutation, no output past the window',
      'no_op',
      'no_heartbeat_no_mutation',
      23,
      snap(
        { ...silent, startedAt: now - 400 * sec, lastCpuProgressAt: null },
        { thresholds: { ...thresholds, stallSec: 600 } },
      ),
    ],
    [
      'same, but still in grace and using CPU',
      'slow_start',
      'startup_scan_in_progress',
      0,
      snap(
        { ...silent, startedAt: now - 400 * sec, lastCpuProgressAt: now - sec },
        { thresholds: { ...thresholds, startupGraceSec: 500, stallSec: 600 } },
      ),
    ],
    // no output yet
    ['files changed, no output', 'silent_mutation', 'worktree_changed_no_output', 0, snap({ ...silent, mutations: 2 })],
    [
      'in grace, not booted yet',
      'launching',
      'startup_grace_no_output',
      0,
      snap({ ...silent, cpuSec: 0.2, lastCpuProgressAt: null }),
    ],
    ['in grace, booted, no answer yet', 'slow_start', 'startup_cpu_progress_no_output', 0, snap({ ...silent })],
    [
      'past grace, before stall, CPU moving',
      'launching',
      'cpu_progress_no_output',
      0,
      snap({ ...silent, startedAt: now - 90 * sec }),
    ],
    [
      'past grace, before stall, CPU idle',
      'launching',
      'no_output_within_grace',
      0,
      snap({ ...silent, startedAt: now - 90 * sec, lastCpuProgressAt: null }),
    ],
    [
      'past stall, CPU moving',
      'waiting_first_output',
      'cpu_progress_no_output_past_threshold',
      0,
      snap({ ...silent, startedAt: now - 200 * sec }),
    ],
    [
      'past stall, CPU idle',
      'stalled',
      'no_output_no_progress_after_threshold',
      2,
      snap({ ...silent, startedAt: now - 200 * sec, lastCpuProgressAt: now - 190 * sec }),
    ],
    // output seen
    ['recent output', 'healthy', 'recent_output_activity', 0, snap({})],
    [
      'quiet output, CPU moving',
      'healthy',
      'cpu_progress',
      0,
      snap({ startedAt: now - 300 * sec, lastOutputAt: now - 200 * sec }),
    ],
    [
      'quiet output, CPU idle',
      'stalled',
      'stale_log_and_no_cpu_progress',
      2,
      snap({ startedAt: now - 300 * sec, lastOutputAt: now - 200 * sec, lastCpuProgressAt: now - 250 * sec }),
    ],
  ])('%s → %s (%s), exit %s', (_name, state, reason, exit, snapshot) => {
    const h = classifyHealth(snapshot);
    expect(h).toEqual({ state, reasonCode: reason });
    expect(checkExitCode(h)).toBe(exit);
  });

  it('every state has a row above', () => {
    // guards the table: a new state must come with its rule and a test
    expect(HEALTH_STATES).toHaveLength(14);
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

describe('model policy', () => {
  const canonical = 'zhipuai-coding-plan/glm-5';
  it.each<[string, Parameters<typeof decideModel>[0], string]>([
    ['canonical by default', { canonical, overrideAllowed: false }, `ok:${canonical}`],
    ['an explicit --model is the operator choice', { canonical, requested: 'x/y', overrideAllowed: false }, 'ok:x/y'],
    [
      'the environment naming the canonical model is fine',
      { canonical, fromEnv: canonical, overrideAllowed: false },
      `ok:${canonical}`,
    ],
    [
      'the environment overriding without permission is refused',
      { canonical, fromEnv: 'other/m', overrideAllowed: false },
      'refused:model_override_blocked',
    ],
    [
      'the environment overriding with permission',
      { canonical, fromEnv: 'other/m', overrideAllowed: true },
      'ok:other/m',
    ],
  ])('%s', (_n, req, expected) => {
    const d = decideModel(req);
    expect(d.ok ? `ok:${d.model}` : `refused:${d.reasonCode}`).toBe(expected);
  });
  it('routes opencode → cc-glm → gemini', () => {
    expect([fallbackAfter('opencode'), fallbackAfter('cc-glm'), fallbackAfter('gemini')]).toEqual([
      'cc-glm',
      'gemini',
      null,
    ]);
  });
});

describe('preflight findings', () => {
  const facts: PreflightFacts = {
    provider: 'opencode',
    model: 'm/x',
    binary: 'opencode',
    version: '1.0',
    models: ['m/x'],
    probe: { ok: true, reason: null, ms: 10 },
    auth: null,
    policyRefusal: null,
    worktree: null,
  };
  const codes = (f: PreflightFacts, strict = false) =>
    preflightFindings(f, strict)
      .filter((x) => x.status !== 'ok')
      .map((x) => `${x.status}:${x.code}`);
  it.each<[string, Partial<PreflightFacts>, boolean, string[], number]>([
    ['all good', {}, false, [], 0],
    [
      'binary missing',
      { version: null, models: null, probe: null },
      false,
      ['error:opencode_binary_missing', 'warn:models_list_failed'],
      21,
    ],
    [
      'override blocked',
      { policyRefusal: { reasonCode: 'model_override_blocked', detail: 'no' } },
      false,
      ['error:model_override_blocked'],
      28,
    ],
    ['model not offered', { models: ['m/other'] }, false, ['error:model_unavailable'], 21],
    [
      'probe 401',
      { probe: { ok: false, reason: 'opencode_auth_failed', ms: 5 } },
      false,
      ['error:opencode_auth_or_quota_blocked'],
      21,
    ],
    [
      'probe 404',
      { probe: { ok: false, reason: 'opencode_model_unavailable', ms: 5 } },
      false,
      ['error:model_unavailable'],
      21,
    ],
    [
      'probe timeout warns',
      { probe: { ok: false, reason: 'probe_timeout', ms: 5 } },
      false,
      ['warn:canonical_model_probe_timeout'],
      0,
    ],
    [
      'strict turns the warning into an error',
      { probe: { ok: false, reason: 'probe_timeout', ms: 5 } },
      true,
      ['error:canonical_model_probe_timeout'],
      21,
    ],
    ['credentials present', { auth: { ok: true, source: 'CC_GLM_AUTH_TOKEN' } }, false, [], 0],
    [
      'credentials missing',
      { auth: { ok: false, reasonCode: 'cc_glm_auth_missing', detail: 'x' } },
      false,
      ['error:cc_glm_auth_missing'],
      21,
    ],
    [
      'worktree outside policy',
      { worktree: { passed: false, reason_code: 'worktree_outside_policy', details: 'x' } },
      false,
      ['error:worktree_outside_policy'],
      21,
    ],
  ])('%s', (_n, over, strict, expected, exit) => {
    expect(codes({ ...facts, ...over }, strict)).toEqual(expected);
    expect(preflightExitCode(preflightFindings({ ...facts, ...over }, strict))).toBe(exit);
  });
});
