import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The empty tree: the baseline of a repository that has no commit yet. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export function git(cwd: string, args: string[], input?: string): string {
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

/**
 * The top of the git work tree containing dir and whether it is a linked worktree (its git dir is not the
 * repository's common one), in one git call; null when dir is not inside a work tree.
 */
export function workTreeFacts(dir: string): { top: string; linked: boolean } | null {
  const out = tryGit(dir, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-dir', '--git-common-dir']);
  const [top, gitDir, commonDir] = out?.trim().split('\n') ?? [];
  return top && commonDir ? { top, linked: path.resolve(gitDir) !== path.resolve(commonDir) } : null;
}

/** A ref resolved to its commit, or null when it is not a commit here. */
export const commitOf = (dir: string, ref: string): string | null =>
  tryGit(dir, ['rev-parse', '--verify', '-q', `${ref}^{commit}`])?.trim() || null;

export const headCommit = (dir: string): string | null => commitOf(dir, 'HEAD');

/**
 * Paths that differ from `base` (committed since, or changed in the work tree), plus untracked files.
 * Untracked files are listed first: `git diff` sees only paths in the index, so when a delivery stages the work
 * between the two reads (untracked, then tracked), the diff still sees the file; the other order lost it.
 */
export function changedPaths(dir: string, base: string): string[] {
  const untracked = nulList(git(dir, ['ls-files', '--others', '--exclude-standard', '-z']));
  const tracked = nulList(git(dir, ['diff', '--name-only', '-z', '--no-renames', base, '--']));
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

/** What `git status` tells in one call: the HEAD commit (null before the first commit) and the paths it lists. */
export interface StatusFacts {
  head: string | null;
  paths: string[];
}

/**
 * Pure: `git status --porcelain=v2 --branch -z` read. The `# branch.oid` header names HEAD's commit (`(initial)`
 * before the first one); each entry ends in its path, after a fixed number of fields by kind: `1` (changed) 8,
 * `2` (renamed: its original path follows as an entry of its own) 9, `u` (unmerged) 10, `?` (untracked) 1.
 */
export function parseStatusV2(out: string): StatusFacts {
  const FIELDS_BEFORE_PATH: Record<string, number> = { '1': 8, '2': 9, u: 10, '?': 1 };
  const entries = out.split('\0');
  const facts: StatusFacts = { head: null, paths: [] };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry.startsWith('# branch.oid ')) {
      const oid = entry.slice('# branch.oid '.length);
      facts.head = oid === '(initial)' ? null : oid;
      continue;
    }
    const fields = FIELDS_BEFORE_PATH[entry.split(' ', 1)[0]];
    if (fields === undefined) continue; // the other headers, ignored files
    facts.paths.push(entry.split(' ').slice(fields).join(' '));
    if (entry.startsWith('2 ')) i++; // the original path of a rename
  }
  return facts;
}

/**
 * The HEAD commit and what `git status` lists (paths that differ from HEAD, staged or not, and untracked files),
 * in one call. As a read, it takes no index lock; `--no-renames` keeps each entry to one path, and without the
 * ahead/behind count of the upstream it reads no history.
 */
const statusFacts = (dir: string): StatusFacts =>
  parseStatusV2(
    git(dir, [
      '--no-optional-locks',
      'status',
      '--porcelain=v2',
      '--branch',
      '--no-ahead-behind',
      '-z',
      '--untracked-files=all',
      '--no-renames',
    ]),
  );

export function takeBaseline(dir: string): MutationBaseline {
  const { head, paths } = statusFacts(dir);
  return { head: head ?? EMPTY_TREE, dirty: contentIds(dir, paths) };
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

/** What a work tree changed against a commit: files, lines added and removed (binary files count no lines). */
export interface DiffStat {
  files: number;
  insertions: number;
  deletions: number;
}

/** Pure: the sum of `git diff --numstat` lines (`added<TAB>removed<TAB>path`; `-` for a binary file). */
export function sumNumstat(text: string): DiffStat {
  const rows = text.split('\n').filter((l) => /^(\d+|-)\t(\d+|-)\t/.test(l));
  const col = (l: string, i: number) => Number(l.split('\t')[i]) || 0;
  return {
    files: rows.length,
    insertions: rows.reduce((n, l) => n + col(l, 0), 0),
    deletions: rows.reduce((n, l) => n + col(l, 1), 0),
  };
}

/** Lines of a new file as `git diff` counts them; a binary file (a NUL byte) counts none. */
export const newFileLines = (content: Buffer): number =>
  content.includes(0) || !content.length
    ? 0
    : content.toString('utf8').split('\n').length - (content.at(-1) === 0x0a ? 1 : 0);

/**
 * The work tree of `dir` against `base`: committed since, changed, and untracked files (which a plain
 * `git diff` leaves out, though they are the work too). Null when `dir` is gone or `base` is not a commit there.
 */
export function diffStat(dir: string, base: string): DiffStat | null {
  const tracked = tryGit(dir, ['diff', '--numstat', '--no-renames', base, '--']);
  const untracked = tryGit(dir, ['ls-files', '--others', '--exclude-standard', '-z']);
  if (tracked === null || untracked === null) return null;
  const stat = sumNumstat(tracked);
  for (const p of nulList(untracked)) {
    stat.files += 1;
    try {
      stat.insertions += newFileLines(readFileSync(path.join(dir, p)));
    } catch {
      // gone since git listed it: counted as a file, no lines
    }
  }
  return stat;
}
