import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  GATES,
  gateInputsSchema,
  LANES,
  laneSchema,
  POST_JOB_GATES,
  type GateOptions,
  type PostJobGates,
} from '../../../src/contract/index.js';
import type { StartOptions } from '../../../src/jobs/options.js';
import { ProfileSchema } from '../../../src/profiles/index.js';
import { manifestSchema } from '../../../src/wave/manifest.js';

const issue = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  r.success ? 'accepted' : `${r.error?.issues[0].path.join('.')}: ${r.error?.issues[0].message}`;

describe('the lanes and the gates, each named once', () => {
  it('in the order start lists them when it refuses one', () => {
    expect(LANES.join(', ')).toBe('headless, attach, server');
    expect(POST_JOB_GATES.join(', ')).toBe('feature-key, scope, evidence, integrity');
    expect(GATES).toEqual(['baseline', ...POST_JOB_GATES]);
    expect(laneSchema.options).toEqual(LANES);
  });
});

describe('the gate inputs: one zod object', () => {
  const all = {
    required: ['feature-key', 'scope', 'evidence', 'integrity'],
    feature_key: 'bd-a.1',
    base: 'main',
    branch: 'work',
    allowed_paths_file: 'paths.txt',
    mutation_budget: 0,
    signoff_file: 'SIGNOFF.md',
  };

  it.each([
    ['every input', all, 'accepted'],
    ['no gate required', { required: [] }, 'accepted'],
    ['an unknown gate', { required: ['lint'] }, 'required.0: Invalid option: expected one of'],
    ['an unknown field', { required: [], budget: 3 }, ': Unrecognized key: "budget"'],
    ['an empty path', { required: ['evidence'], signoff_file: '' }, 'signoff_file: Too small'],
    ['a negative budget', { required: ['scope'], mutation_budget: -1 }, 'mutation_budget: Too small'],
    ['a fractional budget', { required: ['scope'], mutation_budget: 1.5 }, 'mutation_budget: Invalid input'],
  ])('%s', (_, inputs, expected) => {
    expect(issue(gateInputsSchema.safeParse(inputs))).toContain(expected);
  });

  it("a profile's gates section: the shared inputs, at least one gate, no feature key or branch", () => {
    const profile = (gates: object) => issue(ProfileSchema.safeParse({ provider: 'opencode', gates }));
    const { feature_key, branch, ...shared } = all;
    expect(profile(shared)).toBe('accepted');
    expect(profile({ required: [] })).toContain('gates.required: Too small');
    expect(profile({ required: ['scope'], feature_key })).toContain('Unrecognized key: "feature_key"');
    expect(profile({ required: ['scope'], branch })).toContain('Unrecognized key: "branch"');
  });

  it('a wave item: every input, the required gates under `gates`', () => {
    const { required, ...rest } = all;
    const item = { beads: 'bd-a.1', prompt: 'work', gates: required, ...rest };
    expect(manifestSchema.parse({ items: [item] }).items[0]).toEqual(item);
    expect(issue(manifestSchema.safeParse({ items: [{ ...item, required }] }))).toContain('Unrecognized key');
    expect(issue(manifestSchema.safeParse({ items: [{ ...item, feature_key: '' }] }))).toContain(
      'items.0.feature_key: Too small',
    );
  });

  it("start's options and the resolved gates of a job take the inputs under their camelCase names", () => {
    expectTypeOf<keyof GateOptions>().toEqualTypeOf<
      'requireGates' | 'featureKey' | 'base' | 'branch' | 'allowedPathsFile' | 'mutationBudget' | 'signoffFile'
    >();
    expectTypeOf<StartOptions>().toExtend<GateOptions>();
    expectTypeOf<PostJobGates['mutationBudget']>().toEqualTypeOf<number | undefined>();
  });
});
