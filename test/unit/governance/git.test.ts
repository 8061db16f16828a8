import { describe, expect, it } from 'vitest';
import { mutationsSince } from '../../../src/governance/git.js';

describe('mutation counting', () => {
  it.each<[string, string[], Record<string, string>, Record<string, string>, string[]]>([
    ['new files count', ['a', 'b'], {}, {}, ['a', 'b']],
    ['pre-dirty file untouched does not count', ['a', 'pre'], { pre: 'h1' }, { pre: 'h1' }, ['a']],
    ['pre-dirty file edited again counts', ['pre'], { pre: 'h1' }, { pre: 'h2' }, ['pre']],
    ['pre-dirty file deleted counts', ['pre'], { pre: 'h1' }, { pre: 'absent' }, ['pre']],
  ])('%s', (_n, changed, baseline, now, expected) => {
    expect(mutationsSince(changed, baseline, now)).toEqual(expected);
  });
});
