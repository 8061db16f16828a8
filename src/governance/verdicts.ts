/**
 * Gate verdicts: pure functions over facts gathered from git (facts.ts). Their reason codes are part of the
 * output that scripts read: a code, once shipped, keeps its name and meaning.
 */

export interface Verdict {
  passed: boolean;
  reason_code: string;
  details: string;
}

const pass = (reason_code: string, details: string): Verdict => ({ passed: true, reason_code, details });
const fail = (reason_code: string, details: string): Verdict => ({ passed: false, reason_code, details });

/** Where a repository stands, as far as the gates care. */
export interface RepoFacts {
  path: string;
  exists: boolean;
  isGit: boolean;
  head: string | null;
  /** current branch, null when HEAD is detached */
  branch: string | null;
  shallow: boolean;
}

const repoProblem = (r: RepoFacts): Verdict | null => {
  if (!r.exists) return fail('worktree_missing', `worktree ${r.path} does not exist; pass an existing --worktree`);
  if (!r.isGit) return fail('not_a_git_repo', `${r.path} is not a git work tree`);
  return null;
};

const shallowHint = (r: RepoFacts) =>
  r.shallow ? ' (shallow clone: fetch more history with git fetch --unshallow)' : '';

// --- worktree policy -------------------------------------------------------------------------------

export interface WorktreePolicy {
  /** real paths; a worktree at or below one of them is allowed */
  allowedPrefixes: string[];
  /** real paths of canonical checkouts agents must never work in */
  canonicalRoots: string[];
}

/** Path-segment containment: /tmp/agents-evil is not inside /tmp/agents. */
export const isWithin = (child: string, root: string) =>
  child === root || child.startsWith(root.endsWith('/') ? root : `${root}/`);

export function worktreePolicyVerdict(realPath: string, linkedWorktree: boolean, policy: WorktreePolicy): Verdict {
  const canonical = policy.canonicalRoots.find((r) => isWithin(realPath, r));
  if (canonical) {
    return fail(
      'canonical_worktree_forbidden',
      `${realPath} is inside the canonical checkout ${canonical}; ` +
        `work in a linked worktree: git -C ${canonical} worktree add /tmp/agents/<bead> -b <bead>`,
    );
  }
  const prefix = policy.allowedPrefixes.find((p) => isWithin(realPath, p));
  if (prefix) return pass('worktree_valid', `${realPath} is under the allowed prefix ${prefix}`);
  if (linkedWorktree) return pass('worktree_valid', `${realPath} is a linked git worktree`);
  return fail(
    'worktree_outside_policy',
    `${realPath} is neither a linked git worktree nor under ${policy.allowedPrefixes.join(', ')}; ` +
      'create one: git worktree add /tmp/agents/<bead> -b <bead> ' +
      '(or add the prefix to DX_RUNNER_EXTRA_ALLOWED_PREFIXES)',
  );
}

// --- baseline --------------------------------------------------------------------------------------

export interface BaselineFacts {
  repo: RepoFacts;
  required: string;
  /** the required ref resolved to a commit in this repository, or null */
  requiredCommit: string | null;
  /** is the required commit an ancestor of (or equal to) HEAD */
  contained: boolean;
}

export function baselineVerdict(f: BaselineFacts): Verdict & { runtime: string | null; required: string } {
  const base = { runtime: f.repo.head, required: f.required };
  if (!f.required) return { ...fail('required_baseline_missing', 'pass --required-baseline <sha>'), ...base };
  const problem = repoProblem(f.repo);
  if (problem) return { ...problem, ...base };
  if (!f.repo.head) return { ...fail('runtime_commit_missing', 'the worktree has no commit yet'), ...base };
  if (!f.requiredCommit)
    return {
      ...fail('required_commit_missing', `${f.required} is not a commit in this repository${shallowHint(f.repo)}`),
      ...base,
    };
  if (!f.contained)
    return {
      ...fail(
        'baseline_not_met',
        `HEAD ${f.repo.head.slice(0, 12)} does not contain ${f.requiredCommit.slice(0, 12)}; rebase onto the baseline`,
      ),
      ...base,
    };
  return {
    ...pass('baseline_ok', `HEAD ${f.repo.head.slice(0, 12)} contains ${f.requiredCommit.slice(0, 12)}`),
    ...base,
  };
}

// --- integrity -------------------------------------------------------------------------------------

export interface IntegrityFacts {
  repo: RepoFacts;
  reported: string;
  /** the branch asked for, or the current one; null when HEAD is detached and none was given */
  branch: string | null;
  branchHead: string | null;
  reportedCommit: string | null;
  contained: boolean;
}

export function integrityVerdict(
  f: IntegrityFacts,
): Verdict & { branch: string | null; head: string | null; reported: string } {
  const base = { branch: f.branch, head: f.branchHead, reported: f.reported };
  if (!f.reported) return { ...fail('reported_commit_missing', 'pass --reported-commit <sha>'), ...base };
  const problem = repoProblem(f.repo);
  if (problem) return { ...problem, ...base };
  if (!f.branch) return { ...fail('branch_missing', 'HEAD is detached; pass --branch <name>'), ...base };
  if (!f.branchHead) return { ...fail('branch_head_missing', `branch ${f.branch} does not exist here`), ...base };
  if (!f.reportedCommit)
    return {
      ...fail('reported_commit_not_found', `${f.reported} is not a commit in this repository${shallowHint(f.repo)}`),
      ...base,
    };
  if (!f.contained)
    return {
      ...fail('reported_not_ancestor', `${f.reported} is not on ${f.branch} (head ${f.branchHead.slice(0, 12)})`),
      ...base,
    };
  return { ...pass('integrity_ok', `${f.reportedCommit.slice(0, 12)} is on ${f.branch}`), ...base };
}

// --- feature key -----------------------------------------------------------------------------------

export const FEATURE_KEY = /^bd-[a-z0-9]+(\.[a-z0-9]+)*$/;

export interface FeatureKeyFacts {
  repo: RepoFacts;
  key: string;
  branch: string | null;
  branchHead: string | null;
  /** the base asked for or detected, null when none resolves */
  base: string | null;
  baseAsked: string | null;
  /** commits in base..branch with their Feature-Key trailer values */
  commits: Array<{ sha: string; keys: string[] }>;
}

export function featureKeyVerdict(f: FeatureKeyFacts): Verdict & {
  branch: string | null;
  base: string | null;
  feature_key: string;
  checked_commits: number;
  missing_commits: string[];
} {
  const base = {
    branch: f.branch,
    base: f.base,
    feature_key: f.key,
    checked_commits: f.commits.length,
    missing_commits: [] as string[],
  };
  if (!f.key) return { ...fail('feature_key_missing', 'pass --feature-key bd-<id>'), ...base };
  if (!FEATURE_KEY.test(f.key))
    return { ...fail('feature_key_invalid_format', `'${f.key}' is not a bead key like bd-xga8.14`), ...base };
  const problem = repoProblem(f.repo);
  if (problem) return { ...problem, ...base };
  if (!f.branch || !f.branchHead)
    return { ...fail(f.branch ? 'branch_head_missing' : 'branch_missing', 'pass --branch <name>'), ...base };
  if (!f.base) {
    return {
      ...fail(
        'base_branch_missing',
        f.baseAsked
          ? `base ${f.baseAsked} does not resolve${shallowHint(f.repo)}`
          : 'no upstream, main or master to compare with; pass --base <ref>',
      ),
      ...base,
    };
  }
  if (f.commits.length === 0)
    return {
      ...fail('no_commits_in_range', `${f.base}..${f.branch} has no commits: nothing carries the key`),
      ...base,
    };
  const missing = f.commits.filter((c) => !c.keys.includes(f.key)).map((c) => c.sha);
  if (missing.length) {
    return {
      ...fail(
        'feature_key_missing_in_commits',
        `${missing.length}/${f.commits.length} commits lack the trailer 'Feature-Key: ${f.key}'`,
      ),
      ...base,
      missing_commits: missing,
    };
  }
  return {
    ...pass('feature_key_ok', `all ${f.commits.length} commits in ${f.base}..${f.branch} carry Feature-Key: ${f.key}`),
    ...base,
  };
}

// --- scope -----------------------------------------------------------------------------------------

/** Allowed-paths file: one path per line; blank lines and # comments ignored; a trailing / is optional. */
export function parseAllowedPaths(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .map((l) => l.replace(/^\.\//, '').replace(/\/+$/, ''));
}

export interface ScopeFacts {
  repo: RepoFacts;
  /** null: no allow-list given */
  allowed: string[] | null;
  budget: number | null;
  changed: string[];
}

export function scopeVerdict(
  f: ScopeFacts,
): Verdict & { mutations: number; checked_files: number; violations: string[]; budget: number | null } {
  const base = {
    mutations: f.changed.length,
    checked_files: f.changed.length,
    violations: [] as string[],
    budget: f.budget,
  };
  const problem = repoProblem(f.repo);
  if (problem) return { ...problem, ...base };
  const violations = f.allowed === null ? [] : f.changed.filter((p) => !f.allowed!.some((a) => isWithin(p, a)));
  if (violations.length)
    return {
      ...fail(
        'path_outside_allowlist',
        `${violations.length} changed path(s) outside the allow-list: ${violations.slice(0, 10).join(', ')}`,
      ),
      ...base,
      violations,
    };
  if (f.budget !== null && f.changed.length > f.budget) {
    return { ...fail('mutation_budget_exceeded', `${f.changed.length} files changed, budget ${f.budget}`), ...base };
  }
  return { ...pass('scope_ok', `${f.changed.length} changed file(s) within scope`), ...base };
}

// --- evidence --------------------------------------------------------------------------------------

export interface EvidenceFacts {
  signoffPath: string;
  /** null: the file does not exist */
  signoff: string | null;
  /** the bead's job state, when a bead was named (null: no job recorded) */
  jobState: string | null | undefined;
}

const CLAIM = /^\s*(?:[-*]\s*\[[ xX]\]|validated:|verified:|confirmed:)/i;
const UNCHECKED = /^\s*[-*]\s*\[ \]/;

/**
 * `not_checked` names what the verdict could not look at: without a bead there is no job, so its outcome
 * (`job_outcome`) is not part of a pass.
 */
export function evidenceVerdict(f: EvidenceFacts): Verdict & {
  verified_claims: number;
  total_claims: number;
  missing_claims: string[];
  not_checked: string[];
} {
  const lines = (f.signoff ?? '').split('\n');
  const claims = lines.filter((l) => CLAIM.test(l));
  const missing = claims.filter((l) => UNCHECKED.test(l)).map((l) => l.trim());
  const base = {
    verified_claims: claims.length - missing.length,
    total_claims: claims.length,
    missing_claims: missing,
    not_checked: f.jobState === undefined ? ['job_outcome'] : [],
  };
  if (f.signoff === null)
    return { ...fail('signoff_file_missing', `signoff file ${f.signoffPath} does not exist`), ...base };
  if (f.signoff.trim() === '')
    return { ...fail('signoff_file_empty', `signoff file ${f.signoffPath} is empty`), ...base };
  if (f.jobState === null) return { ...fail('outcome_missing', 'no job is recorded for this bead'), ...base };
  if (f.jobState !== undefined && f.jobState !== 'exited_ok')
    return { ...fail('job_not_ok', `the job is ${f.jobState}, not exited_ok`), ...base };
  if (missing.length)
    return { ...fail('unverified_claims', `${missing.length} unchecked item(s) in the signoff`), ...base };
  const unchecked = base.not_checked.length ? "; the job's outcome was not checked (no bead named)" : '';
  return { ...pass('evidence_ok', `signoff present with ${claims.length} checked claim(s)${unchecked}`), ...base };
}
