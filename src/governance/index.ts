import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commitOf } from './git.js';
import type { MutationBaseline } from './git.js';
import { changedSince, detectBase, featureKeyTrailers, isAncestor, isLinkedWorktree, repoFacts } from './facts.js';
import {
  baselineVerdict,
  evidenceVerdict,
  featureKeyVerdict,
  integrityVerdict,
  parseAllowedPaths,
  scopeVerdict,
  worktreePolicyVerdict,
  type Verdict,
  type WorktreePolicy,
} from './verdicts.js';
import { newWorktreeVerdict } from './newWorktree.js';

export { guardPrompt, redact, secretInFile } from './secrets.js';
export { FEATURE_KEY } from './verdicts.js';
export type { Verdict } from './verdicts.js';

const real = (p: string) => {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Where jobs may run: under /tmp/agents or /tmp/dx-runner (or a prefix added by DX_RUNNER_EXTRA_ALLOWED_PREFIXES),
 * never inside one of the operator's main checkouts (DX_RUNNER_CANONICAL_REPOS replaces the default list).
 */
export function worktreePolicy(env: NodeJS.ProcessEnv): WorktreePolicy {
  const home = env.HOME ?? os.homedir();
  const canonical =
    env.DX_RUNNER_CANONICAL_REPOS !== undefined
      ? list(env.DX_RUNNER_CANONICAL_REPOS)
      : ['agent-skills', 'prime-radiant-ai', 'affordabot', 'llm-common', 'bd-symphony'].map((r) => path.join(home, r));
  return {
    allowedPrefixes: ['/tmp/agents', '/tmp/dx-runner', ...list(env.DX_RUNNER_EXTRA_ALLOWED_PREFIXES)].map(real),
    canonicalRoots: canonical.map(real),
  };
}

/** `linked`: known for a worktree not made yet (start --worktree-root makes a linked one) */
export const checkWorktreePolicy = (
  worktree: string,
  env: NodeJS.ProcessEnv,
  linked = isLinkedWorktree(worktree),
): Verdict => worktreePolicyVerdict(real(worktree), linked, worktreePolicy(env));

/** A worktree not made yet, to be made from `repo`: under an allowed prefix or beside the repository. */
export const checkNewWorktreePolicy = (worktree: string, repo: string, env: NodeJS.ProcessEnv): Verdict =>
  newWorktreeVerdict(real(worktree), real(repo), worktreePolicy(env));

/** `startsAt`: the commit a worktree not made yet will start at (`worktree` is then its repository) */
export function baselineGate(worktree: string, required: string, startsAt?: string) {
  const found = repoFacts(worktree);
  const repo = startsAt ? { ...found, head: startsAt } : found;
  const requiredCommit = repo.isGit && required ? commitOf(worktree, required) : null;
  return baselineVerdict({
    repo,
    required,
    requiredCommit,
    contained: !!(requiredCommit && repo.head && isAncestor(worktree, requiredCommit, repo.head)),
  });
}

export function integrityGate(worktree: string, reported: string, branchAsked?: string) {
  const repo = repoFacts(worktree);
  const branch = branchAsked || repo.branch;
  const branchHead = repo.isGit && branch ? commitOf(worktree, branch) : null;
  const reportedCommit = repo.isGit && reported ? commitOf(worktree, reported) : null;
  return integrityVerdict({
    repo,
    reported,
    branch,
    branchHead,
    reportedCommit,
    contained: !!(reportedCommit && branchHead && isAncestor(worktree, reportedCommit, branchHead)),
  });
}

export function featureKeyGate(worktree: string, key: string, opts: { base?: string; branch?: string } = {}) {
  const repo = repoFacts(worktree);
  const branch = opts.branch || repo.branch || (repo.head ? 'HEAD' : null);
  const branchHead = repo.isGit && branch ? commitOf(worktree, branch) : null;
  const base = repo.isGit ? detectBase(worktree, opts.base ?? null) : null;
  const commits = base && branchHead ? featureKeyTrailers(worktree, base, branchHead) : [];
  return featureKeyVerdict({ repo, key, branch, branchHead, base, baseAsked: opts.base ?? null, commits });
}

export function scopeGate(
  worktree: string,
  opts: { allowedPaths: string[] | null; budget: number | null; baseline?: MutationBaseline | null },
) {
  const repo = repoFacts(worktree);
  const changed = repo.isGit ? changedSince(worktree, opts.baseline ?? null) : [];
  return scopeVerdict({ repo, allowed: opts.allowedPaths, budget: opts.budget, changed });
}

export const readAllowedPaths = (file: string): string[] | null => {
  try {
    return parseAllowedPaths(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
};

/** jobState: undefined = no bead named; null = bead named but no job recorded. */
export function evidenceGate(signoffPath: string, jobState: string | null | undefined) {
  let signoff: string | null = null;
  try {
    signoff = fs.readFileSync(signoffPath, 'utf8');
  } catch {
    signoff = null;
  }
  return evidenceVerdict({ signoffPath, signoff, jobState });
}
