import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import { validateBeadsId } from '../../../src/jobs/validate.js';

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
