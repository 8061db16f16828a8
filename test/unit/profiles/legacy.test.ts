import { describe, expect, it } from 'vitest';
import { fromLegacyProfile, isLegacyProfile } from '../../../src/profiles/legacy.js';
import { ProfileSchema } from '../../../src/profiles/schema.js';

/** The shape the bash dx-runner shipped its profiles in. */
const OLD = {
  profile: { name: 'cc-glm-review', description: 'Review-safe GLM dispatch', version: '1.0.0' },
  provider: {
    name: 'cc-glm',
    model: 'glm-5',
    allow_model_override: false,
    execution_mode: 'run',
    fallback_provider: 'opencode',
  },
  concurrency: { max_parallel: 2, queue_timeout_sec: 60 },
  preflight: { strict: true, policy: { auth_missing: 'error' } },
  timeouts: {
    max_runtime_minutes: 90,
    no_mutation_timeout_minutes: 20,
    stall_minutes: 15,
    first_output_grace_seconds: 180,
    first_mutation_grace_seconds: 300,
  },
  scope: { enforce_allowed_paths: true, allowed_paths_file: null, mutation_budget: null, file_budget: null },
  gates: { baseline: 'optional', feature_key: 'required', commit_artifact: 'optional', railway_auth: 'optional' },
};

describe('profiles in the bash dx-runner format', () => {
  it.each<[string, unknown, boolean]>([
    ['its shipped shape', OLD, true],
    ['provider as a section', { provider: { name: 'opencode' } }, true],
    ['today’s format', { provider: 'opencode', timeouts: { stall_minutes: 5 } }, false],
    ['not a mapping', ['provider'], false],
  ])('%s → legacy %s', (_n, data, legacy) => {
    expect(isLegacyProfile(data)).toBe(legacy);
  });

  it('its shipped shape converts to a valid profile with the same settings', () => {
    const c = fromLegacyProfile(OLD);
    expect(c.refused).toBeUndefined();
    expect(ProfileSchema.parse(c.profile)).toEqual({
      description: 'Review-safe GLM dispatch',
      provider: 'cc-glm',
      model: 'glm-5',
      allow_model_override: false,
      lane: 'headless',
      fallback_provider: 'opencode',
      max_parallel: 2,
      strict: true,
      timeouts: { max_runtime_minutes: 90, no_mutation_timeout_minutes: 20, stall_minutes: 15, startup_grace_sec: 180 },
      gates: { required: ['feature-key'] },
    });
    expect(c.dropped.map((d) => d.split(' ')[0])).toEqual([
      'concurrency.queue_timeout_sec',
      'preflight.policy',
      'timeouts.first_mutation_grace_seconds',
    ]);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    // [case, old fields, expected fields of the converted profile, dropped]
    [
      'fallback null is no fallback',
      { provider: { name: 'cc-glm', fallback_provider: null } },
      { fallback_provider: 'none' },
      [],
    ],
    [
      'attach mode is the attach lane',
      { provider: { name: 'opencode', execution_mode: 'attach' } },
      { lane: 'attach' },
      [],
    ],
    [
      'an allow-list or budget is a required scope gate',
      { provider: { name: 'opencode' }, scope: { allowed_paths_file: 'a.txt', mutation_budget: 5 } },
      { gates: { allowed_paths_file: 'a.txt', mutation_budget: 5, required: ['scope'] } },
      [],
    ],
    [
      'a file budget is dropped',
      { provider: { name: 'opencode' }, scope: { file_budget: 3 } },
      {},
      ['scope.file_budget'],
    ],
    ['optional gates are no gates', { provider: { name: 'opencode' }, gates: { baseline: 'optional' } }, {}, []],
  ])('%s', (_n, data, expected, dropped) => {
    const c = fromLegacyProfile(data);
    expect(c.profile).toMatchObject(expected);
    if (!('gates' in expected)) expect(c.profile.gates).toBeUndefined();
    expect(c.dropped.map((d) => d.split(' ')[0])).toEqual(dropped);
  });

  it.each(['baseline', 'commit_artifact', 'railway_auth'])('a required %s gate is refused with the fix', (gate) => {
    const c = fromLegacyProfile({ provider: { name: 'opencode' }, gates: { [gate]: 'required' } });
    expect(c.refused).toMatch(new RegExp(`^gates\\.${gate}: required cannot be honoured: .*set it to optional`));
  });

  it('an unknown old field is left for validation to name', () => {
    const c = fromLegacyProfile({ provider: { name: 'opencode' }, gates: { typo: 'required' } });
    expect(ProfileSchema.safeParse(c.profile).success).toBe(false);
  });
});
