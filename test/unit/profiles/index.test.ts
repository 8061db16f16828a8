import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/exit.js';
import { DxError } from '../../../src/core/errors.js';
import { parseProfile } from '../../../src/profiles/index.js';

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
      'provider: opencode\nmodel: zhipuai-coding-plan/glm-5\n' +
        'allowed_models: [zhipuai-coding-plan/glm-5]\nmax_parallel: 3\n' +
        'timeouts:\n  stall_minutes: 5\ngates:\n  required: [scope]\n  allowed_paths_file: paths.txt\n',
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
