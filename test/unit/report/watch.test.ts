import { describe, expect, it } from 'vitest';
import { changedLines } from '../../../src/report/watch.js';

describe('changedLines: what a pipe is told when the live view changes', () => {
  it.each([
    ['the first frame: every line', [''], ['fleet x', '  a alive'], ['fleet x', '  a alive']],
    ['nothing changed: nothing', ['fleet x', '  a alive'], ['fleet x', '  a alive'], []],
    [
      'a host gone and a queue grown: those lines, in order',
      ['fleet x', '  a alive', '  q waiting=0'],
      ['fleet x', '  a gone', '  q waiting=1'],
      ['  a gone', '  q waiting=1'],
    ],
    ['a line removed: nothing to print', ['fleet x', '  b alive'], ['fleet x'], []],
  ])('%s', (_name, before, after, want) => expect(changedLines(before, after)).toEqual(want));
});
