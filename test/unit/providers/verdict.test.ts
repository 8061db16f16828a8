import { describe, expect, it } from 'vitest';
import { preflightExitCode } from '../../../src/cli/exit.js';
import { getProvider } from '../../../src/providers/index.js';
import { preflightFindings, type PreflightFacts } from '../../../src/providers/preflight.js';
import {
  decideProviderModel,
  firstRefusal,
  providerChecks,
  type ModelAsk,
  type ProviderFacts,
} from '../../../src/providers/verdict.js';

const opencode = getProvider('opencode');
const CANONICAL = 'zhipuai-coding-plan/glm-5';

describe('the model a provider runs: the model policy, then the profile’s list', () => {
  it.each<[string, ModelAsk, NodeJS.ProcessEnv, string]>([
    ['the canonical model', {}, {}, `ok:${CANONICAL}`],
    ['--model', { model: 'm/x' }, {}, 'ok:m/x'],
    ['the model variable without permission', {}, { OPENCODE_MODEL: 'm/env' }, 'refused:model_override_blocked'],
    ['the model variable with permission', { allowModelOverride: true }, { OPENCODE_MODEL: 'm/env' }, 'ok:m/env'],
    ['a model the profile lists', { model: 'm/x', allowedModels: ['m/x'] }, {}, 'ok:m/x'],
    ['--model outside the profile’s list', { model: 'm/y', allowedModels: ['m/x'] }, {}, 'refused:model_not_allowed'],
    [
      'an allowed override outside the profile’s list',
      { allowModelOverride: true, allowedModels: [CANONICAL] },
      { OPENCODE_MODEL: 'm/env' },
      'refused:model_not_allowed',
    ],
  ])('%s', (_n, ask, env, expected) => {
    const d = decideProviderModel(opencode, ask, env);
    expect(d.ok ? `ok:${d.model}` : `refused:${d.reasonCode}`).toBe(expected);
  });
});

describe('providerChecks: in start’s order, a fact not gathered is a check skipped', () => {
  const facts: ProviderFacts = { model: CANONICAL, policyRefusal: null, auth: null };
  const names = (f: ProviderFacts, lane?: 'headless' | 'attach') =>
    providerChecks(opencode, f, lane).map((c) => `${c.check}:${c.status}`);
  it('only the model policy when nothing else is known', () => {
    expect(names(facts)).toEqual(['model_policy:ok']);
  });
  it('every check, in order', () => {
    const all: ProviderFacts = {
      ...facts,
      auth: { ok: true, source: 'env' },
      server: { url: 'http://127.0.0.1:4096', healthy: true },
      launch: { command: 'opencode', args: [], env: {}, promptVia: 'stdin' },
      binary: { command: 'opencode', found: true },
      models: null,
    };
    expect(names(all, 'attach')).toEqual([
      'model_policy:ok',
      'auth:ok',
      'lane:ok',
      'launch:ok',
      'binary:ok',
      'model_listed:unknown',
    ]);
  });
  it('start refuses with the first refusal', () => {
    const f: ProviderFacts = {
      ...facts,
      auth: { ok: false, reasonCode: 'opencode_auth_missing', detail: 'no key' },
      binary: { command: 'opencode', found: false },
    };
    expect(firstRefusal(providerChecks(opencode, f))).toMatchObject({ reasonCode: 'opencode_auth_missing' });
  });
});

describe('start and preflight agree on whether a provider can take the model', () => {
  const base: PreflightFacts = {
    provider: 'opencode',
    model: CANONICAL,
    binary: 'opencode',
    version: '1.0',
    models: [CANONICAL],
    probe: null,
    auth: null,
    policyRefusal: null,
    worktree: null,
  };
  /** start's refusal, for the facts preflight has */
  const start = (f: PreflightFacts) =>
    firstRefusal(
      providerChecks(opencode, {
        model: f.model,
        policyRefusal: f.policyRefusal,
        auth: f.auth,
        binary: { command: f.binary, found: f.version !== null },
        models: f.models,
      }),
    )?.reasonCode ?? 'ok';
  const preflight = (f: PreflightFacts) => preflightFindings(f, false).find((x) => x.status === 'error')?.code ?? 'ok';
  it.each<[string, Partial<PreflightFacts>, string, string]>([
    ['all good', {}, 'ok', 'ok'],
    ['no model list: neither blocks', { models: null }, 'ok', 'ok'],
    ['the binary does not run', { version: null, models: null }, 'provider_binary_missing', 'opencode_binary_missing'],
    [
      'the override is blocked',
      { policyRefusal: { reasonCode: 'model_override_blocked', detail: 'env' } },
      'model_override_blocked',
      'model_override_blocked',
    ],
    [
      'the profile does not list the model',
      { policyRefusal: { reasonCode: 'model_not_allowed', detail: 'profile' } },
      'model_not_allowed',
      'model_not_allowed',
    ],
    [
      'no credentials',
      { auth: { ok: false, reasonCode: 'opencode_auth_missing', detail: 'none' } },
      'opencode_auth_missing',
      'opencode_auth_missing',
    ],
    ['the model is not offered', { models: ['m/other'] }, 'model_unavailable', 'model_unavailable'],
  ])('%s', (_n, more, startSays, preflightSays) => {
    const f = { ...base, ...more };
    expect(start(f)).toBe(startSays);
    expect(preflight(f)).toBe(preflightSays);
  });
  it('the profile’s list: preflight names it model_not_allowed (exit 28, as start)', () => {
    const f = {
      ...base,
      policyRefusal: { reasonCode: 'model_not_allowed' as const, detail: 'the profile allows only x' },
    };
    const findings = preflightFindings(f, false);
    expect(preflightExitCode(findings)).toBe(28);
    expect(findings.find((x) => x.check === 'model_policy')).toEqual({
      check: 'model_policy',
      status: 'error',
      code: 'model_not_allowed',
      detail: 'the profile allows only x',
      next_action: 'use_a_model_the_profile_allows',
    });
  });
});
