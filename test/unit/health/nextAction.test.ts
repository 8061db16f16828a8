import { describe, expect, it } from 'vitest';
import { nextActionFor } from '../../../src/health/nextAction.js';

describe('next action', () => {
  it('gives every provider failure class a next action', () => {
    expect(nextActionFor('cc_glm_auth_failed', 'exited_err')).toBe('repair_provider_credentials_then_restart');
    expect(nextActionFor('claude_code_rate_limited', 'exited_err')).toBe('retry_backoff_or_switch_provider');
  });
});
