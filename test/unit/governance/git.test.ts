import { describe, expect, it } from 'vitest';
import { mutationsSince, newFileLines, sumNumstat } from '../../../src/governance/git.js';

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

describe('diff stat', () => {
  it.each<[string, string, { files: number; insertions: number; deletions: number }]>([
    ['nothing changed', '', { files: 0, insertions: 0, deletions: 0 }],
    ['one edit', '3\t1\tsrc/a.ts\n', { files: 1, insertions: 3, deletions: 1 }],
    ['a binary file counts no lines', '2\t0\ta\n-\t-\timg.png\n', { files: 2, insertions: 2, deletions: 0 }],
    ['a path with a tab is one file', '1\t1\t"we\\tird"\n', { files: 1, insertions: 1, deletions: 1 }],
  ])('%s', (_n, numstat, want) => {
    expect(sumNumstat(numstat)).toEqual(want);
  });

  it.each<[string, string, number]>([
    ['empty file', '', 0],
    ['one line', 'landed\n', 1],
    ['last line without newline', 'a\nb', 2],
    ['binary', 'a\0b\n', 0],
  ])('a new file: %s has %d lines', (_n, content, lines) => {
    expect(newFileLines(Buffer.from(content))).toBe(lines);
  });
});
