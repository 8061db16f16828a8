import fs from 'node:fs';
import path from 'node:path';
import {
  changedPaths,
  commitOf,
  headCommit,
  mutatedPaths,
  tryGit,
  workTreeTop,
  EMPTY_TREE,
  type MutationBaseline,
} from './git.js';
import type { RepoFacts } from './verdicts.js';

/** Gathers what the gates need to know about a worktree (all git access for the gates is here). */
export function repoFacts(dir: string): RepoFacts {
  const exists = fs.existsSync(dir) && fs.statSync(dir).isDirectory();
  const isGit = exists && workTreeTop(dir) !== null;
  if (!isGit) return { path: dir, exists, isGit, head: null, branch: null, shallow: false };
  const branch = tryGit(dir, ['symbolic-ref', '-q', '--short', 'HEAD'])?.trim() || null;
  return {
    path: dir,
    exists,
    isGit,
    head: headCommit(dir),
    branch,
    shallow: tryGit(dir, ['rev-parse', '--is-shallow-repository'])?.trim() === 'true',
  };
}

/** `a` is an ancestor of (or equal to) `b`. */
export const isAncestor = (dir: string, a: string, b: string) =>
  tryGit(dir, ['merge-base', '--is-ancestor', a, b]) !== null;

/** A linked worktree (made by `git worktree add`) has its own git dir apart from the common one. */
export function isLinkedWorktree(dir: string): boolean {
  const out = tryGit(dir, ['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir'])?.trim().split('\n');
  return !!out && out.length === 2 && path.resolve(out[0]) !== path.resolve(out[1]);
}

/** The branch to compare against: the one asked for, else upstream, main, master (first that resolves). */
export function detectBase(dir: string, asked: string | null): string | null {
  if (asked) return commitOf(dir, asked) ? asked : null;
  const upstream = tryGit(dir, ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}'])?.trim();
  for (const candidate of [upstream, 'main', 'master', 'origin/main', 'origin/master']) {
    if (candidate && commitOf(dir, candidate)) return candidate;
  }
  return null;
}

/** Commits in base..head with their Feature-Key trailers, parsed by git itself (not grep). */
export function featureKeyTrailers(dir: string, base: string, head: string): Array<{ sha: string; keys: string[] }> {
  const out =
    tryGit(dir, [
      'log',
      '--format=%H%x00%(trailers:key=Feature-Key,valueonly,separator=%x01)%x00',
      `${base}..${head}`,
    ]) ?? '';
  const fields = out.split('\0');
  const commits: Array<{ sha: string; keys: string[] }> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const sha = fields[i].trim();
    if (sha)
      commits.push({
        sha,
        keys: fields[i + 1]
          .split('\x01')
          .map((k) => k.trim())
          .filter(Boolean),
      });
  }
  return commits;
}

/** Paths changed since a job's baseline (or, without one, since HEAD), pre-dirty unchanged files excluded. */
export const changedSince = (dir: string, baseline: MutationBaseline | null): string[] =>
  baseline ? mutatedPaths(dir, baseline) : changedPaths(dir, headCommit(dir) ?? EMPTY_TREE);
