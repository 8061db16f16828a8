import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import { fleetJobData } from '../../../src/fleet/client.js';

const job = (fallback: string | undefined) =>
  fleetJobData({ beads: 'bd-a', prompt: 'do it', repo: '/srv/app.git', fallback }, 1);
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof DxError ? e.reasonCode : 'not a DxError';
  }
  return null;
};

describe("fleetJobData: a job's fallback provider, from --fallback as on one host", () => {
  it.each([
    ['none given: none', undefined, undefined],
    ['none', 'none', undefined],
    ['auto: the next of the chain', 'auto', 'cc-glm'],
    ['a provider', 'gemini', 'gemini'],
  ])('%s', (_name, flag, want) => expect(job(flag).fallbackProvider).toBe(want));

  it.each([
    ['an unknown provider', 'nope', 'provider_not_found'],
    ["the job's own provider", 'opencode', 'fallback_invalid'],
  ])('refused: %s', (_name, flag, reason) => expect(refusal(() => job(flag))).toBe(reason));

  it('the prompt given with --prompt is the task', () => expect(job(undefined).prompt).toBe('do it'));
});
