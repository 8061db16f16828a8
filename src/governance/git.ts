import { execFileSync } from 'node:child_process';

/** The empty tree: the baseline of a repository that has no commit yet. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', ['-C', cwd, ...args], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** stdout of a git command, or null when it fails */
export function tryGit(cwd: string, args: string[]): string | null {
  try {
    return git(cwd, args);
  } catch {
    return null;
  }
}

const nulList = (s: string) => s.split('\0').filter(Boolean);

/** The top of the git work tree containing dir, or null when dir is not inside one. */
export const workTreeTop = (dir: string): string | null =>
  tryGit(dir, ['rev-parse', '--show-toplevel'])?.trim() || null;

/** A ref resolved to its commit, or null when it is not a commit here. */
export const commitOf = (dir: string, ref: string): string | null =>
  tryGit(dir, ['rev-parse', '--verify', '-q', `${ref}^{commit}`])?.trim() || null;

export const headCommit = (dir: string): string | null => commitOf(dir, 'HEAD');

/** Paths that differ from `base` (committed since, or changed in the work tree), plus untracked files. */
export function changedPaths(dir: string, base: string): string[] {
  const tracked = nulList(git(dir, ['diff', '--name-only', '-z', '--no-renames', base, '--']));
  const untracked = nulList(git(dir, ['ls-files', '--others', '--exclude-standard', '-z']));
  return [...new Set([...tracked, ...untracked])];
}

/** Content ids of the given paths as they are on disk now ('absent' for a deleted file). */
export function contentIds(dir: string, paths: string[]): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const p of paths) {
    try {
      ids[p] = git(dir, ['hash-object', '--', p]).trim();
    } catch {
      ids[p] = 'absent';
    }
  }
  return ids;
}

/** What a job's mutation count is measured against: the start commit and the files already dirty then. */
export interface MutationBaseline {
  head: string;
  dirty: Record<string, string>;
}

export function takeBaseline(dir: string): MutationBaseline {
  const head = headCommit(dir) ?? EMPTY_TREE;
  const dirtyPaths = changedPaths(dir, head);
  return { head, dirty: contentIds(dir, dirtyPaths) };
}

/** Pure: files changed since the baseline, not counting pre-dirty files whose content is unchanged. */
export function mutationsSince(
  changed: string[],
  baselineDirty: Record<string, string>,
  nowIds: Record<string, string>,
): string[] {
  return changed.filter((p) => !(p in baselineDirty) || baselineDirty[p] !== nowIds[p]);
}

/** The files a job changed: differing from its start commit, except pre-dirty files left as they were. */
export function mutatedPaths(dir: string, baseline: MutationBaseline): string[] {
  const changed = changedPaths(dir, baseline.head);
  return mutationsSince(
    changed,
    baseline.dirty,
    contentIds(
      dir,
      changed.filter((p) => p in baseline.dirty),
    ),
  );
}

export const countMutations = (dir: string, baseline: MutationBaseline): number => mutatedPaths(dir, baseline).length;
