import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import { tryGit } from '../governance/git.js';

/** One file the job changed: lines added and removed (null for a binary file). */
export interface FileChange {
  path: string;
  added: number | null;
  removed: number | null;
}

/** Pure: `git diff --numstat -z --no-renames` (`added<TAB>removed<TAB>path<NUL>`; `-` for a binary file). */
export function parseNumstat(text: string): FileChange[] {
  return text
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const [added, removed, ...rest] = entry.split('\t');
      const lines = (n: string) => (n === '-' ? null : Number(n));
      return { path: rest.join('\t'), added: lines(added), removed: lines(removed) };
    });
}

/**
 * What a job changed since its start HEAD, committed and not, untracked files included (ignored ones not): the
 * work tree is staged into a copy of the worktree's index, so its own index is left as it was and a running
 * agent is not disturbed (the copy's blobs go to the object store, where git's gc collects them).
 * `patch`: also the patch itself.
 */
export function jobDiff(worktree: string, startHead: string, patch: boolean): { files: FileChange[]; patch: string } {
  const top = tryGit(worktree, ['rev-parse', '--show-toplevel'])?.trim();
  if (!top)
    throw new DxError('worktree_missing', `the job's worktree ${worktree} is gone or not a git work tree any more`);
  const index = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dx-diff-')), 'index');
  try {
    const own = tryGit(worktree, ['rev-parse', '--path-format=absolute', '--git-path', 'index'])?.trim();
    if (own && fs.existsSync(own)) fs.copyFileSync(own, index);
    const git = (args: string[]) =>
      execFileSync('git', ['-C', top, ...args], {
        encoding: 'utf8',
        env: { ...process.env, GIT_INDEX_FILE: index },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 256 * 1024 * 1024,
      });
    git(['add', '-A']);
    const range = ['--cached', '--no-renames', startHead, '--'];
    return {
      files: parseNumstat(git(['diff', '--numstat', '-z', ...range])),
      patch: patch ? git(['diff', '--binary', ...range]) : '',
    };
  } finally {
    fs.rmSync(path.dirname(index), { recursive: true, force: true });
  }
}
