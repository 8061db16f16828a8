import { describe, expect, it } from 'vitest';
import { preflightExitCode } from '../../../src/cli/exit.js';
import { preflightFindings, type PreflightFacts } from '../../../src/providers/preflight.js';

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
