import { describe, expect, it } from 'vitest';
import { fallbackCandidates, withProfile, type StartOptions } from '../../src/jobs/options.js';
import { parseProfile, type Profile } from '../../src/profiles/index.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { DxError } from '../../src/core/errors.js';

const refusal = (text: string): string => {
  try {
    parseProfile('p', '/cfg/p.yaml', text);
  } catch (e) {
    expect(e).toBeInstanceOf(DxError);
    expect((e as DxError).reasonCode).toBe('profile_invalid');
    expect(exitCodeFor(e as DxError)).toBe(21);
    return (e as DxError).message;
  }
  throw new Error('accepted');
};

describe('profile files: real YAML, every field checked, errors name the line and field', () => {
  it('accepts a full profile', () => {
    const { profile } = parseProfile(
      'p',
      '/cfg/p.yaml',
      'provider: opencode\nmodel: zhipuai-coding-plan/glm-5\nallowed_models: [zhipuai-coding-plan/glm-5]\nmax_parallel: 3\ntimeouts:\n  stall_minutes: 5\ngates:\n  required: [scope]\n  allowed_paths_file: paths.txt\n',
    );
    expect(profile).toMatchObject({
      provider: 'opencode',
      max_parallel: 3,
      timeouts: { stall_minutes: 5 },
      gates: { required: ['scope'], allowed_paths_file: '/cfg/paths.txt' },
    });
  });
  it.each([
    [
      'an unknown top-level field',
      'provider: opencode\nmodel: x/y\nqueue_timeout_sec: 5\n',
      /p\.yaml:3\) has an unknown field 'queue_timeout_sec'/,
    ],
    [
      'an unknown nested field',
      'provider: opencode\ntimeouts:\n  stall_minutes: 5\n  first_output_grace_seconds: 9\n',
      /p\.yaml:4\) has an unknown field 'timeouts\.first_output_grace_seconds'/,
    ],
    ['a wrong type', 'provider: opencode\nmax_parallel: two\n', /p\.yaml:2\) field 'max_parallel'/],
    [
      'a negative threshold',
      'provider: opencode\ntimeouts:\n  stall_minutes: -1\n',
      /p\.yaml:3\) field 'timeouts\.stall_minutes'/,
    ],
    ['an unknown gate', 'provider: opencode\ngates:\n  required: [vibes]\n', /field 'gates\.required\.0'/],
    ['no provider', 'model: x/y\n', /field 'provider'/],
    ['an unknown provider', 'provider: nope\n', /unknown provider 'nope'/],
    [
      'a model outside its own allow-list',
      'provider: opencode\nmodel: a/b\nallowed_models: [c/d]\n',
      /a\/b is not in allowed_models/,
    ],
    ['broken YAML', 'provider: opencode\n  model: [x\n', /p\.yaml:\d+\) is not valid YAML/],
    ['a list instead of a mapping', '- provider\n', /must be a mapping/],
    ['a duplicated key', 'provider: opencode\nprovider: opencode\n', /is not valid YAML/],
  ])('refuses %s', (_name, text, message) => {
    expect(refusal(text)).toMatch(message);
  });
});

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
