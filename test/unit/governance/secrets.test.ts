import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/exit.js';
import { DxError } from '../../../src/core/errors.js';
import { guardPrompt, redact } from '../../../src/governance/index.js';

describe('prompt guard', () => {
  it.each([
    ['raw op read', 'first\nop read op://dev/item/field\n', 'raw_op_forbidden_in_agent_context'],
    ['op item get', 'run `op item get x`', 'raw_op_forbidden_in_agent_context'],
    ['an API key', 'use key sk-abcdefghijklmnopqrstuvwx1234', 'secret_in_prompt'],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nabc', 'secret_in_prompt'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'secret_in_prompt'],
  ])('%s is refused', (_n, prompt, reason) => {
    try {
      guardPrompt(prompt);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DxError);
      expect((e as DxError).reasonCode).toBe(reason);
      expect(exitCodeFor(e as DxError)).toBe(21);
    }
  });
  it('allows ordinary prompts, the word "op", and a marked auth repair', () => {
    expect(() => guardPrompt('Optimise the op code table; the operator reads logs')).not.toThrow();
    expect(() => guardPrompt('AUTH_REPAIR_BREAK_GLASS\nop read op://dev/x/y')).not.toThrow();
  });
});

describe('redaction', () => {
  it.each([
    ['Authorization: Bearer abcdefghijklmnop', 'Authorization: Bearer [REDACTED]'],
    ['key=sk-ant-abcdefghijklmnop1234 ok', 'key=[REDACTED] ok'],
    ['see op://dev/Agent-Secrets/ZAI_API_KEY now', 'see [REDACTED] now'],
    ['{"api_key": "abcd1234efgh5678"}', '{"api_key": "[REDACTED]"}'],
    ['nothing secret here', 'nothing secret here'],
  ])('%s', (line, expected) => expect(redact(line)).toBe(expected));
  it('redacts GLM keys and prefixed secret variables', () => {
    expect(redact('key 0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp end')).toBe('key [REDACTED] end');
    expect(redact('ANTHROPIC_AUTH_TOKEN=glm-secret-value ZAI_API_KEY="abcdefghij"')).toBe(
      'ANTHROPIC_AUTH_TOKEN=[REDACTED] ZAI_API_KEY="[REDACTED]"',
    );
  });
});
