import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/exit.js';
import { DxError } from '../../../src/core/errors.js';
import { guardPrompt, redact } from '../../../src/governance/index.js';

// One sample of every shape in the catalog, as a user might paste it (fabricated values, never real keys).
const SHAPES: Array<[string, string]> = [
  ['a Z.ai/GLM key', 'use 0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp for the API'],
  ['a ZAI_API_KEY assignment', 'export ZAI_API_KEY=abcdefghijklmnop0123'],
  ['a GitHub fine-grained token', 'token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'],
  ['a Google API key', 'key AIzaSyA1234567890abcdefghijklmnopqrstuv'],
  ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['an AWS secret key', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['an AWS session key id', 'ASIAIOSFODNN7EXAMPLE'],
  ['a *_TOKEN assignment', 'GITLAB_TOKEN="glpat-abcdefghij0123456789"'],
  ['a *_SECRET assignment', 'CLIENT_SECRET: abcdefghijklmnop0123'],
  ['a project key', 'sk-proj-abcdefghijklmnopqrstuvwxyz012345'],
];

describe('prompt guard', () => {
  it.each([
    ['raw op read', 'first\nop read op://dev/item/field\n', 'raw_op_forbidden_in_agent_context'],
    ['op item get', 'run `op item get x`', 'raw_op_forbidden_in_agent_context'],
    ['an API key', 'use key sk-abcdefghijklmnopqrstuvwx1234', 'secret_in_prompt'],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nabc', 'secret_in_prompt'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'secret_in_prompt'],
    ...SHAPES.map(([n, p]) => [n, p, 'secret_in_prompt']),
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
    // words and short or placeholder values around secret-like names are not secrets
    expect(() => guardPrompt('Rotate the API_KEY=<your key> and check token=abc; commit 3f2a9c1')).not.toThrow();
    expect(() => guardPrompt('git sha 0123456789abcdef0123456789abcdef01234567 is fine')).not.toThrow();
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
  it.each(SHAPES)('redacts %s', (_n, line) => expect(redact(line)).toContain('[REDACTED]'));
  it('leaves no part of a redacted key behind', () => {
    expect(redact('echo AIzaSyA1234567890abcdefghijklmnopqrstuv done')).toBe('echo [REDACTED] done');
    expect(redact('GITHUB_TOKEN=github_pat_11ABCDEFG0123456789_abcdefghijklmnop')).toBe('GITHUB_TOKEN=[REDACTED]');
  });
  it('redacts GLM keys and prefixed secret variables', () => {
    expect(redact('key 0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp end')).toBe('key [REDACTED] end');
    expect(redact('ANTHROPIC_AUTH_TOKEN=glm-secret-value ZAI_API_KEY="abcdefghij"')).toBe(
      'ANTHROPIC_AUTH_TOKEN=[REDACTED] ZAI_API_KEY="[REDACTED]"',
    );
  });
});
