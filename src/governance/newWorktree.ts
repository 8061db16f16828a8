import path from 'node:path';
import { isWithin, worktreePolicyVerdict, type Verdict, type WorktreePolicy } from './verdicts.js';

/**
 * A worktree dx-runner is to make (start --worktree-root, a wave item's missing worktree) must land under an
 * allowed prefix or beside the repository it is made from (in the repository's parent folder, unless that is
 * `/`), never in a canonical checkout: a root such as /etc is refused before anything is made or recorded.
 */
export function newWorktreeVerdict(realPath: string, realRepo: string, policy: WorktreePolicy): Verdict {
  const existing = worktreePolicyVerdict(realPath, false, policy);
  if (existing.passed || existing.reason_code === 'canonical_worktree_forbidden') return existing;
  const beside = path.dirname(realRepo);
  if (beside !== '/' && isWithin(realPath, beside) && !isWithin(realPath, realRepo))
    return { passed: true, reason_code: 'worktree_valid', details: `${realPath} is beside its repository ${realRepo}` };
  return {
    passed: false,
    reason_code: 'worktree_outside_policy',
    details:
      `${realPath} would be made outside ${[...policy.allowedPrefixes, beside].join(', ')}; ` +
      'make worktrees under /tmp/agents or beside the repository (--worktree-root ../agents), ' +
      'or add the prefix to DX_RUNNER_EXTRA_ALLOWED_PREFIXES',
  };
}
