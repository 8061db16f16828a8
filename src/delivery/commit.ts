import fs from 'node:fs';
import path from 'node:path';
import { commandErrorLine } from '../core/errors.js';
import { isAncestor } from '../governance/facts.js';
import {
  contentIds,
  EMPTY_TREE,
  git,
  headCommit,
  mutationsSince,
  tryGit,
  type MutationBaseline,
} from '../governance/git.js';
import { secretInFile } from '../governance/index.js';
import type { CommitPolicy } from '../contract/names.js';

/** The outcome exit code of a job that had to commit and did not, as the bash dx-runner recorded it. */
export const NO_COMMIT_ARTIFACT_EXIT = 44;

/** A commit subject's longest length (git's own advice for a one-line summary). */
const SUBJECT_MAX = 72;

/** Files larger than this are checked by name only. */
const SCAN_MAX_BYTES = 1024 * 1024;

/** What the commit step decided: the commit the work ended in (null: none), or why the job fails. */
export type CommitStep =
  | { passed: true; commit: string | null; details: string }
  | { passed: false; reasonCode: string; details: string; exitCode?: number };

/**
 * Pure: the commit subject from the agent's final answer: its first non-empty line, cut to 72 characters;
 * `<bead>: agent changes` when it said nothing.
 */
export function commitSubject(answer: string | null, beads: string): string {
  const line = (answer ?? '')
    .split('\n')
    .map((l) => l.replace(/^[#>*\s-]+/, '').trim())
    .find(Boolean);
  if (!line) return `${beads}: agent changes`;
  return line.length <= SUBJECT_MAX ? line : `${line.slice(0, SUBJECT_MAX - 1).trimEnd()}…`;
}

/** Pure: the whole message, with the trailers the feature-key gate and a reviewer read. */
export const commitMessage = (subject: string, featureKey: string, agent: string): string =>
  `${subject}\n\nFeature-Key: ${featureKey}\nAgent: ${agent}\n`;

/**
 * Pure: `require`'s verdict: the agent committed when HEAD moved and descends from the start HEAD (a reset to
 * another line of history is not the job's commit).
 */
export function requireVerdict(f: { startHead: string; head: string | null; descends: boolean }): CommitStep {
  if (!f.head) return { passed: false, reasonCode: 'no_commit_artifact', details: 'the worktree has no HEAD' };
  if (f.head === f.startHead)
    return { passed: false, reasonCode: 'no_commit_artifact', details: 'head_unchanged: the agent did not commit' };
  if (!f.descends)
    return {
      passed: false,
      reasonCode: 'no_commit_artifact',
      details: `head_not_descendant: HEAD ${f.head.slice(0, 12)} does not descend from ${f.startHead.slice(0, 12)}`,
    };
  return { passed: true, commit: f.head, details: `the agent committed ${f.head.slice(0, 12)}` };
}

/** Pure: the files `auto` may not commit (a secret guard's finding each), as one reason. */
export function secretRefusal(found: Array<{ path: string; why: string }>): CommitStep | null {
  if (!found.length) return null;
  const list = found.map((f) => `${f.path} (${f.why})`).join(', ');
  return {
    passed: false,
    reasonCode: 'commit_refused_secret',
    details: `nothing committed: ${list}; remove them or add them to .gitignore, then commit by hand`,
  };
}

const readText = (file: string): string | null => {
  try {
    if (fs.statSync(file).size > SCAN_MAX_BYTES) return null;
    const content = fs.readFileSync(file);
    return content.includes(0) ? null : content.toString('utf8');
  } catch {
    return null; // deleted: nothing to read
  }
};

/** The identity flags a commit needs when the repository has none configured; a configured author is kept. */
export const identity = (dir: string): string[] => [
  ...(tryGit(dir, ['config', 'user.name'])?.trim() ? [] : ['-c', 'user.name=dx-runner']),
  ...(tryGit(dir, ['config', 'user.email'])?.trim() ? [] : ['-c', 'user.email=dx-runner@localhost']),
];

export interface CommitInput {
  policy: CommitPolicy;
  worktree: string;
  baseline: MutationBaseline;
  beads: string;
  featureKey: string;
  /** `<provider>/<model>` */
  agent: string;
  /** the agent's final answer, read only when a commit is made */
  answer: () => string | null;
}

/**
 * The job's commit (edge). `auto` stages exactly the files the job changed (ignored files never show; files
 * dirty before the job and left as they were stay out) and commits them on whatever HEAD is: the job's branch,
 * or a detached HEAD, whose new sha is recorded. `require` commits nothing and checks the agent's own commit.
 */
export function commitWork(c: CommitInput): CommitStep {
  const head = headCommit(c.worktree);
  const moved = head && head !== c.baseline.head ? head : null;
  if (c.policy === 'require') {
    const descends = !!head && (c.baseline.head === EMPTY_TREE || isAncestor(c.worktree, c.baseline.head, head));
    return requireVerdict({ startHead: c.baseline.head, head, descends });
  }
  const pending = uncommitted(c.worktree, c.baseline);
  if (!pending.length)
    return { passed: true, commit: moved, details: moved ? 'the agent committed its work' : 'no changes to commit' };
  const found = pending.flatMap((p) => {
    const why = secretInFile(p, readText(path.join(c.worktree, p)));
    return why ? [{ path: p, why }] : [];
  });
  const refused = secretRefusal(found);
  if (refused) return refused;
  try {
    git(
      c.worktree,
      ['--literal-pathspecs', 'add', '-A', '--pathspec-from-file=-', '--pathspec-file-nul'],
      pending.map((p) => `${p}\0`).join(''),
    );
    const message = commitMessage(commitSubject(c.answer(), c.beads), c.featureKey, c.agent);
    git(c.worktree, [...identity(c.worktree), 'commit', '-q', '-F', '-'], message);
  } catch (e) {
    return { passed: false, reasonCode: 'commit_failed', details: `git commit failed: ${commandErrorLine(e)}` };
  }
  const commit = headCommit(c.worktree) as string;
  return { passed: true, commit, details: `committed ${pending.length} file(s) as ${commit.slice(0, 12)}` };
}

/**
 * What is not committed yet (changed against HEAD, or untracked and not ignored), but files that were dirty when
 * the job started and are as they were then: those are not the job's work.
 */
function uncommitted(dir: string, baseline: MutationBaseline): string[] {
  const status = git(dir, ['status', '--porcelain=v1', '-z', '--no-renames', '--untracked-files=all']);
  const paths = status
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(3));
  const preDirty = paths.filter((p) => p in baseline.dirty);
  return mutationsSince(paths, baseline.dirty, contentIds(dir, preDirty));
}
