import { describe, expect, it } from 'vitest';
import {
  adoptOrRequeue,
  attemptModel,
  countItems,
  decideFallback,
  defaultFallback,
  fallbackReasonOf,
  initialDispatch,
  pickLaunches,
  waveStateOf,
  type Failure,
  type FallbackDecision,
  type ItemState,
  type WaveState,
} from '../../../src/wave/decide.js';
import { FALLBACK_CHAIN } from '../../../src/providers/policy.js';

describe('which queued items launch now', () => {
  const caps: Record<string, number> = { opencode: 3, 'cc-glm': 2, gemini: 1 };
  const cap = (p: string) => caps[p] ?? 2;
  const q = (...providers: string[]) => providers.map((provider, i) => ({ id: i + 1, provider }));
  it.each([
    ['empty slots fill up to the cap, in wave order', q('opencode', 'opencode', 'opencode', 'opencode'), {}, [1, 2, 3]],
    ['live jobs (of any wave or none) take slots', q('opencode', 'opencode', 'opencode'), { opencode: 2 }, [1]],
    ['a full provider launches nothing', q('opencode', 'opencode'), { opencode: 3 }, []],
    ['over the cap (cap lowered meanwhile): nothing', q('opencode'), { opencode: 5 }, []],
    [
      'each provider has its own cap',
      q('opencode', 'gemini', 'gemini', 'cc-glm', 'opencode'),
      { opencode: 2 },
      [1, 2, 4],
    ],
    ['a full provider does not hold back another', q('gemini', 'gemini', 'cc-glm'), { gemini: 1 }, [3]],
    ['nothing queued', q(), {}, []],
  ])('%s', (_name, queued, live, expected) => {
    expect(pickLaunches(queued, live, cap)).toEqual(expected);
  });
});

describe('why an attempt goes to the fallback provider', () => {
  it.each<[string, Failure, string | null]>([
    ['start: model not offered (exit 21)', { at: 'start', reasonCode: 'model_unavailable' }, 'model_unavailable'],
    [
      'start: provider binary missing (exit 21)',
      { at: 'start', reasonCode: 'provider_binary_missing' },
      'provider_binary_missing',
    ],
    [
      'start: an auth refusal, whatever the exit',
      { at: 'start', reasonCode: 'cc-glm_auth_failed' },
      'cc-glm_auth_failed',
    ],
    [
      'start: credentials missing (a provider reason naming auth)',
      { at: 'start', reasonCode: 'cc-glm_auth_missing' },
      'cc-glm_auth_missing',
    ],
    ['start: a word merely containing auth is not auth', { at: 'start', reasonCode: 'author_unknown' }, null],
    ['start: worktree refused is not the provider', { at: 'start', reasonCode: 'worktree_missing' }, null],
    [
      'start: a leaked secret in the prompt (also exit 21) is not the provider',
      { at: 'start', reasonCode: 'secret_in_prompt' },
      null,
    ],
    ['start: preflight-like unknown to the table stays', { at: 'start', reasonCode: 'beads_cli_missing' }, null],
    [
      'start: cap exceeded is not a failure of the provider',
      { at: 'start', reasonCode: 'provider_concurrency_cap_exceeded' },
      null,
    ],
    [
      "start: model override blocked (28) is the operator's",
      { at: 'start', reasonCode: 'model_override_blocked' },
      null,
    ],
    [
      'end: governance gate failed',
      { at: 'end', outcomeState: 'governance_failed', reasonCode: 'scope_violation' },
      'governance_failed:scope_violation',
    ],
    [
      'end: model auth failed',
      { at: 'end', outcomeState: 'failed', reasonCode: 'opencode_auth_failed' },
      'opencode_auth_failed',
    ],
    [
      'end: model unavailable',
      { at: 'end', outcomeState: 'failed', reasonCode: 'opencode_model_unavailable' },
      'opencode_model_unavailable',
    ],
    [
      'end: rate limited after its relaunches moves on',
      { at: 'end', outcomeState: 'failed', reasonCode: 'opencode_rate_limited' },
      'opencode_rate_limited',
    ],
    [
      'end: exited non-zero for another reason',
      { at: 'end', outcomeState: 'failed', reasonCode: 'process_exit_with_rc' },
      null,
    ],
    ['end: stopped by the operator', { at: 'end', outcomeState: 'killed', reasonCode: 'manual_stop' }, null],
    ['end: blocked by the watchdog', { at: 'end', outcomeState: 'blocked', reasonCode: 'blocked_stalled' }, null],
  ])('%s', (_name, failure, reason) => {
    expect(fallbackReasonOf(failure)).toBe(reason);
  });
});

describe('fallback happens once', () => {
  const auth: Failure = { at: 'end', outcomeState: 'failed', reasonCode: 'opencode_auth_failed' };
  const other: Failure = { at: 'end', outcomeState: 'failed', reasonCode: 'process_exit_with_rc' };
  it.each<[string, { fallbackReason: string | null; fallbackProvider: string | null }, Failure, FallbackDecision]>([
    [
      'first failure with a fallback provider: re-dispatch there',
      { fallbackReason: null, fallbackProvider: 'cc-glm' },
      auth,
      { action: 'fallback', provider: 'cc-glm', reason: 'opencode_auth_failed' },
    ],
    [
      'already on the fallback: fails for good',
      { fallbackReason: 'opencode_auth_failed', fallbackProvider: 'cc-glm' },
      auth,
      { action: 'fail', reasonCode: 'opencode_auth_failed' },
    ],
    [
      'dispatched on the fallback by --critical: fails for good',
      { fallbackReason: 'critical_wave', fallbackProvider: 'cc-glm' },
      auth,
      { action: 'fail', reasonCode: 'opencode_auth_failed' },
    ],
    [
      'no fallback provider (end of the chain, or null in the manifest)',
      { fallbackReason: null, fallbackProvider: null },
      auth,
      { action: 'fail', reasonCode: 'opencode_auth_failed' },
    ],
    [
      'a failure the fallback cannot cure',
      { fallbackReason: null, fallbackProvider: 'cc-glm' },
      other,
      { action: 'fail', reasonCode: 'process_exit_with_rc' },
    ],
    [
      'the same provider with another model is allowed',
      { fallbackReason: null, fallbackProvider: 'opencode' },
      { at: 'start', reasonCode: 'model_unavailable' },
      { action: 'fallback', provider: 'opencode', reason: 'model_unavailable' },
    ],
  ])('%s', (_name, item, failure, expected) => {
    expect(decideFallback(item, failure)).toEqual(expected);
  });
});

describe('the default fallback provider and the first dispatch', () => {
  it.each<[string, string[], string | null]>([
    ['opencode', ['opencode', 'cc-glm', 'gemini'], 'cc-glm'],
    ['opencode', ['opencode', 'gemini'], 'gemini'], // an unregistered link of the chain is skipped
    ['opencode', ['opencode'], null],
    ['cc-glm', ['opencode', 'cc-glm', 'gemini'], 'gemini'],
    ['gemini', ['opencode', 'cc-glm', 'gemini'], null], // the end of the chain
    ['claude-code', ['opencode', 'claude-code'], null], // not in the chain
  ])('%s with %j registered → %s', (provider, registered, expected) => {
    expect(defaultFallback(provider, FALLBACK_CHAIN, registered)).toBe(expected);
  });

  it.each([
    [{ provider: 'opencode', fallbackProvider: 'cc-glm' }, false, { provider: 'opencode', fallbackReason: null }],
    [
      { provider: 'opencode', fallbackProvider: 'cc-glm' },
      true,
      { provider: 'cc-glm', fallbackReason: 'critical_wave' },
    ],
    [{ provider: 'gemini', fallbackProvider: null }, true, { provider: 'gemini', fallbackReason: null }],
  ])('%j critical=%s → %j', (spec, critical, expected) => {
    expect(initialDispatch(spec, critical)).toEqual(expected);
  });

  it.each([
    [{ model: 'a', fallbackModel: 'b' }, false, 'a'],
    [{ model: 'a', fallbackModel: 'b' }, true, 'b'],
    [{ model: 'a' }, true, undefined], // the fallback provider's own canonical model, never the first provider's
    [{}, false, undefined],
  ])('model of %j on fallback=%s → %s', (spec, onFallback, expected) => {
    expect(attemptModel(spec, onFallback)).toBe(expected);
  });
});

describe('wave state from its items', () => {
  it.each<[WaveState, ItemState[], WaveState]>([
    ['running', ['landed', 'landed'], 'done'],
    ['running', ['landed', 'failed', 'cancelled', 'stopped'], 'done'],
    ['running', ['landed', 'queued'], 'running'],
    ['running', ['launching'], 'running'],
    ['running', ['running', 'failed'], 'running'],
    ['stopped', ['running', 'queued'], 'stopped'],
    ['done', ['landed'], 'done'],
  ])('recorded %s with %j → %s', (recorded, states, expected) => {
    expect(waveStateOf(recorded, states)).toBe(expected);
  });

  it('counts every state, zeros included', () => {
    expect(countItems(['landed', 'landed', 'queued'])).toEqual({
      queued: 1,
      launching: 0,
      running: 0,
      landing: 0,
      ready: 0,
      landed: 2,
      failed: 0,
      cancelled: 0,
      stopped: 0,
    });
  });
});

describe('a launch a dead driver left behind', () => {
  it.each<[string, number | null, { id: number; startedAt: number } | null, { adopt: number } | 'requeue']>([
    ['the job started after the claim: adopt it', 1000, { id: 7, startedAt: 1000 }, { adopt: 7 }],
    [
      'the newest job is older than the claim (an earlier attempt): queue again',
      1000,
      { id: 6, startedAt: 999 },
      'requeue',
    ],
    ['the bead never had a job: queue again', 1000, null, 'requeue'],
    ['no claim time recorded: queue again', null, { id: 7, startedAt: 1000 }, 'requeue'],
  ])('%s', (_name, claimedAt, latest, expected) => {
    expect(adoptOrRequeue(claimedAt, latest)).toEqual(expected);
  });
});
