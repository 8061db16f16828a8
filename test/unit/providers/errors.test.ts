import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/providers/errors.js';

describe('provider failure taxonomy', () => {
  it.each([
    [401, '', 'auth_failed'],
    [403, '', 'auth_failed'],
    [404, '', 'model_unavailable'],
    [429, '', 'rate_limited'],
    [500, '', 'provider_error'],
    [503, '', 'provider_error'],
    [undefined, 'AI_APICallError: Rate limit reached for requests', 'rate_limited'],
    [undefined, 'ProviderModelNotFoundError: model glm-9 not found', 'model_unavailable'],
    [undefined, 'Invalid API key provided', 'auth_failed'],
    [undefined, 'Internal server error', 'provider_error'],
    [undefined, 'something odd happened', 'error_event'],
  ])('status %s message %j → %s', (status, message, cls) => {
    expect(classifyFailure(status, message)).toBe(cls);
  });
});
