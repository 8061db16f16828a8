import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import { assertSameRepo, decideWorktreeSlot, type GitTree } from '../../../src/jobs/worktree.js';

const SLOT = '/wts/bd-1';
const REPO: GitTree = { top: '/src/app', commonDir: '/src/app/.git' };
const OWN: GitTree = { top: SLOT, commonDir: '/src/app/.git' };
const OTHER: GitTree = { top: SLOT, commonDir: '/src/other/.git' };

/** What start does, or the reason it refuses with. */
function decide(exists: boolean, tree: GitTree | null, repoTree: GitTree | null = REPO): string {
  try {
    return decideWorktreeSlot(SLOT, exists, tree, '/src/app', repoTree);
  } catch (e) {
    if (e instanceof DxError) return e.reasonCode;
    throw e;
  }
}

describe('--worktree-root: what is at <root>/<bead>', () => {
  it.each<[string, boolean, GitTree | null, GitTree | null, string]>([
    ['nothing: it is made', false, null, REPO, 'create'],
    ['a worktree of the same repository: reused', true, OWN, REPO, 'reuse'],
    ['a worktree of another repository: refused', true, OTHER, REPO, 'worktree_repo_mismatch'],
    ['a plain folder: refused', true, null, REPO, 'worktree_not_git'],
    ['a folder inside another work tree: refused', true, { ...OWN, top: '/wts' }, REPO, 'worktree_not_git'],
    ['--repo that is no repository: refused', true, OWN, null, 'not_a_git_repo'],
  ])('%s', (_n, exists, tree, repoTree, expected) => {
    expect(decide(exists, tree, repoTree)).toBe(expected);
  });

  it('names both repositories when they differ', () => {
    expect(() => assertSameRepo(SLOT, OTHER, '/src/app', REPO)).toThrow(
      `${SLOT} is a worktree of /src/other, not of /src/app`,
    );
  });
});
