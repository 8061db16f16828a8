import { describe, expect, it } from 'vitest';
import {
  evidenceVerdict,
  FEATURE_KEY,
  isWithin,
  parseAllowedPaths,
  scopeVerdict,
  worktreePolicyVerdict,
  type RepoFacts,
} from '../../../src/governance/verdicts.js';
import { newWorktreeVerdict } from '../../../src/governance/newWorktree.js';

const repo: RepoFacts = {
  path: '/w',
  exists: true,
  isGit: true,
  head: 'a'.repeat(40),
  branch: 'feature',
  shallow: false,
};

describe('worktree policy (over real paths)', () => {
  const policy = { allowedPrefixes: ['/tmp/agents', '/srv/jobs'], canonicalRoots: ['/home/u/agent-skills'] };
  it.each<[string, string, boolean, string]>([
    ['under an allowed prefix', '/tmp/agents/bd-1', false, 'worktree_valid'],
    ['the prefix itself', '/tmp/agents', false, 'worktree_valid'],
    ['a look-alike prefix is not inside', '/tmp/agents-evil/x', false, 'worktree_outside_policy'],
    ['a linked worktree anywhere', '/home/u/wt/bd-2', true, 'worktree_valid'],
    ['a plain checkout elsewhere', '/home/u/other', false, 'worktree_outside_policy'],
    ['the canonical checkout', '/home/u/agent-skills', false, 'canonical_worktree_forbidden'],
    [
      'a linked worktree inside the canonical checkout',
      '/home/u/agent-skills/.wt/bd-3',
      true,
      'canonical_worktree_forbidden',
    ],
  ])('%s', (_n, p, linked, reason) => {
    expect(worktreePolicyVerdict(p, linked, policy).reason_code).toBe(reason);
  });
  it.each<[string, string, string, string]>([
    ['under an allowed prefix', '/tmp/agents/bd-1', '/home/u/app', 'worktree_valid'],
    ['beside its repository (--worktree-root ../agents)', '/home/u/agents/bd-1', '/home/u/app', 'worktree_valid'],
    ['a system folder (--worktree-root /etc)', '/etc/bd-1', '/home/u/app', 'worktree_outside_policy'],
    ['inside the repository itself', '/home/u/app/wts/bd-1', '/home/u/app', 'worktree_outside_policy'],
    ['anywhere, for a repository at the root', '/etc/bd-1', '/app', 'worktree_outside_policy'],
    ['in a canonical checkout', '/home/u/agent-skills/bd-1', '/home/u/app', 'canonical_worktree_forbidden'],
  ])('a worktree to be made %s', (_n, p, repo, reason) => {
    expect(newWorktreeVerdict(p, repo, policy).reason_code).toBe(reason);
  });
  it('names the remedy', () => {
    expect(worktreePolicyVerdict('/home/u/other', false, policy).details).toContain('git worktree add');
  });
  it('segment-aware containment', () => {
    expect(isWithin('/a/b/c', '/a/b')).toBe(true);
    expect(isWithin('/a/bc', '/a/b')).toBe(false);
    expect(isWithin('src/a.ts', 'src')).toBe(true);
  });
});

describe('feature key format', () => {
  it.each([
    ['bd-xga8', true],
    ['bd-xga8.10', true],
    ['bd-xga8.10.5', true],
    ['bd-XGA8', false],
    ['xga8.10', false],
    ['bd-x..y', false],
  ])('%s → %s', (k, ok) => expect(FEATURE_KEY.test(k)).toBe(ok));
});

describe('scope verdict', () => {
  const allowed = parseAllowedPaths('# allowed\nsrc/\n./docs/README.md\n\n');
  it('parses the allow-list', () => expect(allowed).toEqual(['src', 'docs/README.md']));
  it.each<[string, string[], number | null, string]>([
    ['inside the allow-list', ['src/a.ts', 'docs/README.md'], null, 'scope_ok'],
    ['a path outside', ['src/a.ts', 'docs/other.md'], null, 'path_outside_allowlist'],
    ['a look-alike directory', ['srcx/a.ts'], null, 'path_outside_allowlist'],
    ['over budget', ['src/a.ts', 'src/b.ts'], 1, 'mutation_budget_exceeded'],
    ['within budget', ['src/a.ts'], 1, 'scope_ok'],
  ])('%s → %s', (_n, changed, budget, reason) => {
    expect(scopeVerdict({ repo, allowed, budget, changed }).reason_code).toBe(reason);
  });
  it('reports both the violations and the count', () => {
    const v = scopeVerdict({ repo, allowed, budget: null, changed: ['x.txt', 'src/a'] });
    expect(v).toMatchObject({ violations: ['x.txt'], mutations: 2, checked_files: 2 });
  });
  it('a missing worktree is a failure with a reason, never silence', () => {
    expect(
      scopeVerdict({ repo: { ...repo, exists: false, isGit: false }, allowed, budget: null, changed: [] }),
    ).toMatchObject({ passed: false, reason_code: 'worktree_missing' });
  });
});

describe('evidence verdict', () => {
  it.each<[string, string | null, string | null | undefined, string]>([
    ['no signoff file', null, undefined, 'signoff_file_missing'],
    ['empty signoff', '  \n', undefined, 'signoff_file_empty'],
    ['signoff, bead without a job', '- [x] done', null, 'outcome_missing'],
    ['signoff, job failed', '- [x] done', 'exited_err', 'job_not_ok'],
    ['an unchecked claim', '- [x] tests pass\n- [ ] docs updated', 'exited_ok', 'unverified_claims'],
    ['all checked, job ok', '- [x] tests pass\nVERIFIED: lint clean', 'exited_ok', 'evidence_ok'],
    ['free text signoff, no bead', 'Reviewed by A.', undefined, 'evidence_ok'],
  ])('%s → %s', (_n, signoff, jobState, reason) => {
    expect(evidenceVerdict({ signoffPath: '/w/SIGNOFF.md', signoff, jobState }).reason_code).toBe(reason);
  });
  it.each<[string, string | null | undefined, string[]]>([
    ['no bead: the outcome is not checked', undefined, ['job_outcome']],
    ['a bead with a job', 'exited_ok', []],
    ['a bead without a job', null, []],
  ])('%s', (_n, jobState, notChecked) => {
    const v = evidenceVerdict({ signoffPath: '/w/SIGNOFF.md', signoff: '- [x] done', jobState });
    expect(v.not_checked).toEqual(notChecked);
    if (notChecked.length) expect(v.details).toMatch(/outcome was not checked/);
  });
});
