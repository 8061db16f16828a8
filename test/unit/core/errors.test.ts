import { describe, expect, it } from 'vitest';
import { DxError, hasKind, isReason } from '../../../src/core/errors.js';
import {
  asReasonCode,
  FAILURE_CLASSES,
  kindOf,
  REASONS,
  type ErrorKind,
  type ReasonCode,
} from '../../../src/core/reasons.js';
import { baselineVerdict, worktreePolicyVerdict, type RepoFacts } from '../../../src/governance/verdicts.js';
import { fallsBack } from '../../../src/jobs/plan.js';
import { fallbackReasonOf } from '../../../src/wave/decide.js';

const KINDS: ErrorKind[] = [
  'input',
  'state',
  'policy',
  'worktree',
  'environment',
  'credentials',
  'provider',
  'lane',
  'capacity',
  'internal',
];

describe('the reason catalog', () => {
  it.each(Object.entries(REASONS))('%s has a kind', (reason, kind) => {
    expect(KINDS).toContain(kind);
    expect(kindOf(reason)).toBe(kind);
  });

  it.each(Object.entries(FAILURE_CLASSES))('the failure class %s has a kind', (cls, kind) => {
    expect(KINDS).toContain(kind);
    expect(kindOf(`opencode_${cls}`)).toBe(kind);
  });

  it.each<[string, ErrorKind | undefined]>([
    ['cc_glm_auth_missing', 'credentials'],
    ['claude_code_auth_missing', 'credentials'],
    ['gemini_auth_missing', 'credentials'],
    ['cc-glm_auth_failed', 'credentials'],
    ['gemini_attach_mode_unavailable', 'lane'],
    ['cc-glm_server_mode_unavailable', 'lane'],
    ['claude_code_model_unavailable', 'provider'],
    ['gemini_rate_limited', 'capacity'],
    // a fixed code wins over a family it looks like
    ['model_unavailable', 'provider'],
    ['opencode_attach_missing_url', 'lane'],
    // outside the catalog: a job's own outcome, or a word that merely contains a family's name
    ['process_exit_with_rc', undefined],
    ['author_unknown', undefined],
    ['auth_failed', undefined],
    ['', undefined],
  ])('%s → %s', (reason, kind) => {
    expect(kindOf(reason)).toBe(kind);
  });

  it('a gate verdict start refuses with is in the catalog; a code outside it is a bug, said loudly', () => {
    const repo: RepoFacts = {
      path: '/w',
      exists: true,
      isGit: true,
      head: 'a'.repeat(40),
      branch: 'b',
      shallow: false,
    };
    const policy = { allowedPrefixes: ['/tmp/agents'], canonicalRoots: ['/home/u/main'] };
    const base = { repo, required: 'HEAD~1', requiredCommit: 'b'.repeat(40), contained: true };
    const refusals = [
      worktreePolicyVerdict('/home/u/main', false, policy),
      worktreePolicyVerdict('/home/u/other', false, policy),
      baselineVerdict({ ...base, required: '' }),
      baselineVerdict({ ...base, repo: { ...repo, exists: false } }),
      baselineVerdict({ ...base, repo: { ...repo, isGit: false } }),
      baselineVerdict({ ...base, repo: { ...repo, head: null } }),
      baselineVerdict({ ...base, requiredCommit: null }),
      baselineVerdict({ ...base, contained: false }),
    ];
    for (const v of refusals) {
      expect(v.passed).toBe(false);
      expect(asReasonCode(v.reason_code)).toBe(v.reason_code);
    }
    expect(() => asReasonCode('no_such_reason')).toThrow(/not in the catalog/);
  });
});

describe('DxError', () => {
  it('takes its kind from the catalog, unless the place that raises it says otherwise', () => {
    expect(new DxError('prompt_file_missing', 'no file named').kind).toBe('input');
    expect(new DxError('prompt_file_missing', 'the file is gone', 'environment').kind).toBe('environment');
    expect(new DxError('gemini_attach_mode_unavailable', 'x').kind).toBe('lane');
  });

  it('answers by reason or by kind; anything else thrown answers neither', () => {
    const cap = new DxError('provider_concurrency_cap_exceeded', 'full');
    expect(isReason(cap, 'provider_concurrency_cap_exceeded')).toBe(true);
    expect(isReason(cap, 'restart_in_progress')).toBe(false);
    expect(hasKind(cap, 'capacity')).toBe(true);
    expect(hasKind(cap, 'state')).toBe(false);
    // a plain error (or anything thrown) is neither
    const plain = Object.assign(new Error('x'), { reasonCode: 'provider_concurrency_cap_exceeded', kind: 'capacity' });
    expect(isReason(plain, 'provider_concurrency_cap_exceeded')).toBe(false);
    expect(hasKind(plain, 'capacity')).toBe(false);
    expect(hasKind('capacity', 'capacity')).toBe(false);
  });
});

describe('fallback decides on the kind', () => {
  // start tries the next provider for the provider's own fault, and for a lane it lacks (the next runs headless)
  it.each<[ErrorKind, boolean]>([
    ['credentials', true],
    ['provider', true],
    ['lane', true],
    ['input', false],
    ['state', false],
    ['policy', false],
    ['worktree', false],
    ['environment', false],
    ['capacity', false],
    ['internal', false],
  ])('start: %s → %s', (kind, expected) => {
    expect(fallsBack(new DxError('internal_error', 'x', kind))).toBe(expected);
  });

  it('start: only a DxError falls back', () => {
    expect(fallsBack(new Error('provider_binary_missing'))).toBe(false);
  });

  // a wave moves an item to its fallback provider for the provider's own fault only: the fallback keeps the lane
  it.each<[ReasonCode, boolean, boolean]>([
    ['cc_glm_auth_missing', true, true],
    ['secret_auth_resolution_failed', true, true],
    ['cc_glm_token_file_error', true, true],
    ['provider_binary_missing', true, true],
    ['model_unavailable', true, true],
    ['gemini_attach_mode_unavailable', true, false],
    ['opencode_attach_missing_url', true, false],
    ['server_unhealthy', true, false],
    ['model_override_blocked', false, false],
    ['model_not_allowed', false, false],
    ['provider_concurrency_cap_exceeded', false, false],
    ['worktree_outside_policy', false, false],
    ['secret_in_prompt', false, false],
    ['provider_not_found', false, false],
    ['internal_error', false, false],
  ])('%s: start falls back %s, the wave %s', (reason, start, wave) => {
    expect(fallsBack(new DxError(reason, 'x'))).toBe(start);
    expect(fallbackReasonOf({ at: 'start', reasonCode: reason })).toBe(wave ? reason : null);
  });
});
