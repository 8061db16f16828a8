import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import { promptSource, readPrompt, validateBeadsId } from '../../../src/jobs/validate.js';

describe('bead ids', () => {
  it.each([
    ['bd-xga8.14', true],
    ['bd-xga8', true],
    ['A1_b-c.d', true],
    ['../x', false],
    ['a/b', false],
    ['.hidden', false],
    ['-flag', false],
    ['', false],
    ['x'.repeat(129), false],
  ])('%s valid=%s', (id, ok) => {
    if (ok) expect(validateBeadsId(id)).toBe(id);
    else expect(() => validateBeadsId(id)).toThrow(DxError);
  });
});

describe('the task: inline, on stdin or in a file', () => {
  const reason = (o: { prompt?: string; promptFile?: string }) => {
    try {
      return readPrompt(o);
    } catch (e) {
      if (e instanceof DxError) return e.reasonCode;
      throw e;
    }
  };
  it.each<[string, { prompt?: string; promptFile?: string }, string]>([
    ['inline', { prompt: 'Fix the typo.' }, 'Fix the typo.'],
    ['read from stdin', { prompt: 'Fix it.\n', promptFile: '-' }, 'Fix it.\n'],
    ['inline and empty', { prompt: ' \n' }, 'prompt_empty'],
    ['stdin and empty', { prompt: '', promptFile: '-' }, 'prompt_empty'],
    ['none at all', {}, 'prompt_file_missing'],
    ['a file that is not there', { promptFile: '/nonexistent/task.md' }, 'prompt_file_missing'],
  ])('%s', (_n, o, expected) => {
    expect(reason(o)).toBe(expected);
  });

  it.each<[{ prompt?: string; promptFile?: string }, string]>([
    [{ promptFile: 'task.md' }, '/work/task.md'],
    [{ promptFile: '-', prompt: 'x' }, '-'],
    [{ prompt: 'x' }, '--prompt'],
  ])('recorded as where it came from: %j → %s', (o, expected) => {
    expect(promptSource({ ...o, cwd: '/work' })).toBe(expected);
  });
});
