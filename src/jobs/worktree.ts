import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { commandErrorLine, DxError } from '../core/errors.js';
import { step } from '../core/progress.js';
import { DEFAULT_BRANCH_PREFIX } from '../contract/delivery.js';
import { commitOf, tryGit, workTreeTop } from '../governance/git.js';

/**
 * Worktrees dx-runner makes itself (`start --worktree-root`, `wave start`): linked git worktrees on the job's
 * branch, `<prefix>/<bead id>`. The decisions are pure; gitTree, createWorktree and removeWorktree are the git edge.
 */

/** Where a missing worktree is made from: a git repository and a commit in it, and the branch it gets. */
export interface WorktreeSource {
  repo: string;
  base: string;
  commit: string;
  branch: string;
}

/**
 * Pure: the job's branch, stable so it can be pushed and found again: `<prefix>/<bead id>` (`dx/bd-a1`).
 * A worktree made before branches took a prefix keeps the branch it has: delivery reads the one checked out.
 */
export const jobBranch = (beads: string, prefix = DEFAULT_BRANCH_PREFIX): string => `${prefix}/${beads}`;

/** A git work tree as git sees it: its top, and the repository (the common git dir) it belongs to. */
export interface GitTree {
  top: string;
  commonDir: string;
}

/** The work tree containing dir, or null when dir is not inside one. */
export function gitTree(dir: string): GitTree | null {
  const out = tryGit(dir, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir'])
    ?.trim()
    .split('\n');
  if (!out || out.length !== 2) return null;
  return { top: fs.realpathSync(out[0]), commonDir: fs.realpathSync(out[1]) };
}

/** Checks the repository and base a missing worktree is made from; changes nothing. */
export function worktreeSource(
  worktree: string,
  beads: string,
  repo: string | undefined,
  base: string,
  branchPrefix?: string,
): WorktreeSource {
  if (!repo || !workTreeTop(repo))
    throw new DxError(
      'worktree_missing',
      `worktree ${worktree} of ${beads} does not exist and ` +
        `${repo ? `${repo} is not a git repository` : 'no git repo to create it from'}; set repo (--repo)`,
    );
  const commit = commitOf(repo, base);
  if (!commit)
    throw new DxError(
      'base_ref_unknown',
      `base ${base} is not a commit in ${repo}; set base (--base) to a branch, tag or sha`,
    );
  return { repo, base, commit, branch: jobBranch(beads, branchPrefix) };
}

/** A repository by the folder people know it as: the work tree holding `.git`, else the git dir itself. */
const repoName = (commonDir: string) => (path.basename(commonDir) === '.git' ? path.dirname(commonDir) : commonDir);

/**
 * Pure: a worktree named with --repo (or found at --worktree-root's path) belongs to that repository, or the
 * start is refused. `tree` is the work tree at `worktree`, `repoTree` the repository's (null: not git).
 */
export function assertSameRepo(worktree: string, tree: GitTree | null, repo: string, repoTree: GitTree | null): void {
  if (!repoTree)
    throw new DxError('not_a_git_repo', `--repo ${repo} is not a git repository; pass the repository's folder`);
  if (!tree)
    throw new DxError(
      'worktree_not_git',
      `${worktree} exists and is not a git worktree; remove it or pick another --worktree-root`,
    );
  if (tree.commonDir !== repoTree.commonDir)
    throw new DxError(
      'worktree_repo_mismatch',
      `${worktree} is a worktree of ${repoName(tree.commonDir)}, not of ${repoName(repoTree.commonDir)}; ` +
        `pass a worktree of ${repoName(repoTree.commonDir)}, or the repository it belongs to with --repo`,
    );
}

/**
 * Pure: what `start --worktree-root` does with the bead's path: create it when nothing is there, reuse it when it
 * is a work tree of its own of the same repository; anything else there is refused.
 */
export function decideWorktreeSlot(
  slot: string,
  exists: boolean,
  tree: GitTree | null,
  repo: string,
  repoTree: GitTree | null,
): 'create' | 'reuse' {
  if (!exists) return 'create';
  if (tree && tree.top !== slot)
    throw new DxError(
      'worktree_not_git',
      `${slot} exists inside the work tree ${tree.top} and is not a worktree of its own; ` +
        'pick another --worktree-root',
    );
  assertSameRepo(slot, tree, repo, repoTree);
  return 'reuse';
}

const run = promisify(execFile);

/** Creates the worktree as a linked git worktree of the source, on the job's new branch. */
export async function createWorktree(
  beads: string,
  worktree: string,
  source: Pick<WorktreeSource, 'repo' | 'base' | 'branch'>,
): Promise<void> {
  fs.mkdirSync(path.dirname(worktree), { recursive: true });
  const args = ['-C', source.repo, 'worktree', 'add', '-q', '-b', source.branch, worktree, source.base];
  try {
    // a checkout of a large tree takes seconds: asynchronous, so its progress line can show up
    await step(`creating worktree ${worktree}`, () => run('git', args));
  } catch (e) {
    throw new DxError(
      'worktree_create_failed',
      `could not create worktree ${worktree} for ${beads}: ${commandErrorLine(e)}; ` +
        'create it yourself or pick another path',
    );
  }
}

/** Removes a worktree createWorktree made for a start that was then refused, with its branch. */
export function removeWorktree(worktree: string, source: Pick<WorktreeSource, 'repo' | 'branch'>): void {
  tryGit(source.repo, ['worktree', 'remove', '--force', worktree]);
  tryGit(source.repo, ['branch', '-D', source.branch]);
}
