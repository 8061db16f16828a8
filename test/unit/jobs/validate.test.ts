import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import {
  PROMPT_MAX_BYTES,
  promptSource,
  promptText,
  readPrompt,
  readPromptStream,
  validateBeadsId,
} from '../../../src/jobs/validate.js';

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
    ['inline with a NUL', { prompt: 'a\u0000b' }, 'prompt_not_text'],
    ['inline, one byte over the limit', { prompt: 'x'.repeat(PROMPT_MAX_BYTES + 1) }, 'prompt_too_large'],
    ['inline, at the limit', { prompt: 'x'.repeat(PROMPT_MAX_BYTES) }, 'x'.repeat(PROMPT_MAX_BYTES)],
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

describe('a prompt is text', () => {
  const reasonOf = (bytes: Buffer) => {
    try {
      return promptText('task.md', bytes);
    } catch (e) {
      return (e as DxError).reasonCode;
    }
  };
  it.each<[string, Buffer, string]>([
    ['UTF-8 text', Buffer.from('Fix the café sign ✓\n'), 'Fix the café sign ✓\n'],
    ['binary (a NUL byte)', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]), 'prompt_not_text'],
    ['not UTF-8 (Latin-1 bytes)', Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'prompt_not_text'],
    ['over 256 KiB', Buffer.alloc(PROMPT_MAX_BYTES + 1, 0x61), 'prompt_too_large'],
  ])('%s', (_n, bytes, expected) => {
    expect(reasonOf(bytes)).toBe(expected);
  });

  it('a stream over the limit is refused without reading it all', async () => {
    let given = 0;
    async function* endless() {
      for (;;) {
        given++;
        yield Buffer.alloc(64 * 1024, 0x61);
      }
    }
    await expect(readPromptStream('stdin', endless())).rejects.toMatchObject({ reasonCode: 'prompt_too_large' });
    expect(given).toBe(5);
  });

  it('a refused bead id is echoed on one line, escaped and cut short', () => {
    for (const id of ['bd-a\nrm -rf /', 'x'.repeat(10_000), 'bd\u001b[31m']) {
      const message = (() => {
        try {
          validateBeadsId(id);
        } catch (e) {
          return (e as DxError).message;
        }
      })() as string;
      expect([...message].filter((c) => c < ' ')).toEqual([]);
      expect(message.length).toBeLessThan(200);
    }
  });
});
