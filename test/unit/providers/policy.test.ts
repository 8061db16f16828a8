import { describe, expect, it } from 'vitest';
import { decideModel, fallbackAfter } from '../../../src/providers/policy.js';

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
