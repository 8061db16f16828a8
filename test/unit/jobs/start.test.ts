import { describe, expect, it } from 'vitest';
import { fallbackCandidates, withProfile, type StartOptions } from '../../../src/jobs/options.js';
import type { Profile } from '../../../src/profiles/index.js';

describe('precedence: flags > profile > environment > defaults', () => {
  const base: StartOptions = { env: {}, cwd: '/' };
  const profile: Profile = {
    provider: 'opencode',
    model: 'm/profile',
    allowed_models: ['m/profile', 'm/flag'],
    allow_model_override: true,
    max_parallel: 4,
    lane: 'server',
    timeouts: { stall_minutes: 7, startup_grace_sec: 60 },
    gates: { required: ['scope'], mutation_budget: 3 },
  };
  it.each<[string, Partial<StartOptions>, Partial<StartOptions>]>([
    [
      'the profile fills what no flag says',
      {},
      {
        provider: 'opencode',
        model: 'm/profile',
        allowedModels: ['m/profile', 'm/flag'],
        allowModelOverride: true,
        maxParallel: 4,
        lane: 'server',
        stallMinutes: 7,
        startupGraceSec: 60,
        requireGates: ['scope'],
        mutationBudget: 3,
      },
    ],
    [
      'flags win',
      { model: 'm/flag', lane: 'headless', stallMinutes: 1, requireGates: ['evidence'], mutationBudget: 9 },
      { model: 'm/flag', lane: 'headless', stallMinutes: 1, requireGates: ['evidence'], mutationBudget: 9 },
    ],
    [
      "another provider by flag: the profile's model rules do not follow it",
      { provider: 'gemini' },
      {
        provider: 'gemini',
        model: undefined,
        allowedModels: undefined,
        maxParallel: undefined,
        allowModelOverride: undefined,
        stallMinutes: 7,
      },
    ],
  ])('%s', (_n, flags, expected) => {
    expect(withProfile({ ...base, ...flags }, profile)).toMatchObject(expected);
  });
  it('no profile: the flags as given', () => {
    const flags = { ...base, model: 'x' };
    expect(withProfile(flags, undefined)).toBe(flags);
  });
});

describe('fallback candidates', () => {
  const prod: Profile = { provider: 'opencode', fallback_provider: 'cc-glm' };
  it.each<[string, string, string | undefined, Profile | undefined, string[]]>([
    ['no flag, no profile: fail fast', 'opencode', undefined, undefined, []],
    ["no flag: the profile's fallback", 'opencode', undefined, prod, ['cc-glm']],
    ['auto without a profile: the chain', 'opencode', 'auto', undefined, ['cc-glm', 'gemini']],
    ["auto with a profile: the profile's", 'opencode', 'auto', prod, ['cc-glm']],
    ['auto from the end of the chain: nothing left', 'gemini', 'auto', undefined, []],
    ['none wins over the profile', 'opencode', 'none', prod, []],
    ['a named provider', 'opencode', 'gemini', prod, ['gemini']],
    ['a profile for another provider does not route this one', 'gemini', undefined, prod, []],
    ["a profile's none", 'opencode', 'auto', { provider: 'opencode', fallback_provider: 'none' }, ['cc-glm', 'gemini']],
  ])('%s', (_n, provider, flag, profile, expected) => {
    expect(fallbackCandidates(provider, flag, profile)).toEqual(expected);
  });
  it('refuses falling back to the same provider', () => {
    expect(() => fallbackCandidates('opencode', 'opencode', undefined)).toThrow(/job's own provider/);
  });
});
