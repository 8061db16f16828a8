import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_TREE,
  headCommit,
  mutationsSince,
  newFileLines,
  parseStatusV2,
  sumNumstat,
  takeBaseline,
} from '../../../src/governance/git.js';
import { makeRepo, tmpDir } from '../../helpers.js';

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

describe('git status, porcelain v2', () => {
  const oid = 'a'.repeat(40);
  const modes = 'N... 100644 100644 100644';
  it.each<[string, string[], { head: string | null; paths: string[] }]>([
    ['a clean tree', [`# branch.oid ${oid}`, '# branch.head main'], { head: oid, paths: [] }],
    ['no commit yet', ['# branch.oid (initial)', '# branch.head main', '? a'], { head: null, paths: ['a'] }],
    [
      'changed, added, untracked, with spaces',
      [`# branch.oid ${oid}`, `1 .M ${modes} ${oid} ${oid} my file.txt`, `1 A. ${modes} ${oid} ${oid} b`, '? c d'],
      { head: oid, paths: ['my file.txt', 'b', 'c d'] },
    ],
    [
      'a rename: its original path is not an entry',
      [`2 R. ${modes} ${oid} ${oid} R100 new`, 'old'],
      {
        head: null,
        paths: ['new'],
      },
    ],
    ['unmerged', [`u UU N... 100644 100644 100644 100644 ${oid} ${oid} ${oid} both`], { head: null, paths: ['both'] }],
    ['ignored files are not listed', ['! build/x'], { head: null, paths: [] }],
  ])('%s', (_n, entries, want) => {
    expect(parseStatusV2(`${entries.join('\0')}\0`)).toEqual(want);
  });

  it('takeBaseline: HEAD and the dirty files with their content ids, from a real repository', () => {
    const { repo } = makeRepo();
    fs.appendFileSync(path.join(repo, 'README.md'), 'more\n');
    fs.writeFileSync(path.join(repo, 'new file.txt'), 'x\n');
    const baseline = takeBaseline(repo);
    expect(baseline.head).toBe(headCommit(repo));
    expect(Object.keys(baseline.dirty).sort()).toEqual(['README.md', 'new file.txt']);
    expect(baseline.dirty['new file.txt']).toBe(
      execFileSync('git', ['hash-object', path.join(repo, 'new file.txt')], {
        encoding: 'utf8',
      }).trim(),
    );

    const empty = tmpDir('norepo');
    execFileSync('git', ['init', '-q', empty]);
    expect(takeBaseline(empty)).toEqual({ head: EMPTY_TREE, dirty: {} });
    for (const dir of [repo, empty]) fs.rmSync(dir, { recursive: true, force: true });
  });
});
