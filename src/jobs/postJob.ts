import path from 'node:path';
import { DxError } from '../core/errors.js';
import { LIMITS, parseNumber } from '../core/input.js';
import type { PostJobGates } from '../contract/index.js';
import { COMMIT_POLICIES, POST_JOB_GATES, type CommitPolicy, type PostJobGate } from '../contract/names.js';
import { FEATURE_KEY } from '../governance/index.js';
import type { StartOptions } from './options.js';

/*
 * Pure: what start fixes for the time after the agent exits — the post-job gates with their inputs and what
 * becomes of the work (commit policy, verify command) — checked before anything is recorded.
 */

/** What is done with the agent's work before the gates: the commit policy, the verify command and its limit. */
export interface JobWork {
  commitPolicy: CommitPolicy;
  verifyCmd: string | null;
  verifyTimeoutSec?: number;
}

/** The required post-job gates and their inputs, checked now so a job never ends on a gate it cannot run. */
export function postJobGates(
  opts: StartOptions,
  beads: string,
  worktree: string,
  allowedPaths: string[] | null | undefined,
): PostJobGates | undefined {
  // scope inputs ask for the scope gate: given without it, they would be silently ignored
  const scopeAsked = opts.allowedPathsFile !== undefined || opts.mutationBudget !== undefined;
  const required = [
    ...new Set([
      ...(opts.requireGates ?? [])
        .flatMap((g) => g.split(','))
        .map((g) => g.trim())
        .filter(Boolean),
      ...(scopeAsked ? ['scope'] : []),
    ]),
  ];
  if (!required.length) return undefined;
  for (const g of required) {
    if (!POST_JOB_GATES.includes(g as PostJobGate))
      throw new DxError('unknown_gate', `unknown gate '${g}'; use one of: ${POST_JOB_GATES.join(', ')}`);
  }
  const gates: PostJobGates = { required: required as PostJobGate[], base: opts.base, branch: opts.branch };
  if (required.includes('feature-key')) {
    gates.featureKey = opts.featureKey ?? beads;
    if (!FEATURE_KEY.test(gates.featureKey))
      throw new DxError(
        'feature_key_invalid_format',
        `feature key '${gates.featureKey}' is not like bd-xga8.14; pass --feature-key`,
      );
  }
  if (required.includes('scope')) {
    if (!opts.allowedPathsFile && opts.mutationBudget === undefined)
      throw new DxError('scope_missing', 'the scope gate needs --allowed-paths-file and/or --mutation-budget');
    if (opts.allowedPathsFile) {
      if (!allowedPaths)
        throw new DxError(
          'allowed_paths_file_missing',
          `allowed-paths file ${opts.allowedPathsFile} cannot be read; pass an existing file`,
        );
      gates.allowedPaths = allowedPaths;
    }
    gates.mutationBudget = opts.mutationBudget;
  }
  if (required.includes('evidence')) {
    if (!opts.signoffFile)
      throw new DxError(
        'signoff_file_missing',
        'the evidence gate needs --signoff-file (relative to the worktree, e.g. SIGNOFF.md)',
      );
    gates.signoffFile = path.resolve(worktree, opts.signoffFile);
  }
  return gates;
}

/** The commit policy (default auto) and the verify command, checked now: a typo never passes as a policy. */
export function jobWork(opts: StartOptions): JobWork {
  // the bash dx-runner's variable, as its flag (--require-commit-artifact is --commit require)
  const fromEnv = /^(1|true|yes)$/i.test(opts.env.DX_RUNNER_REQUIRE_COMMIT_ARTIFACT ?? '') ? 'require' : undefined;
  const policy = opts.commit ?? fromEnv ?? 'auto';
  if (!(COMMIT_POLICIES as readonly string[]).includes(policy))
    throw new DxError(
      'unknown_commit_policy',
      `unknown commit policy '${policy}'; use one of: ${COMMIT_POLICIES.join(', ')}`,
    );
  const timeout =
    opts.verifyTimeoutSec === undefined
      ? undefined
      : parseNumber('--verify-timeout', opts.verifyTimeoutSec, LIMITS.seconds);
  const verifyCmd = opts.verifyCmd?.trim() || null;
  return { commitPolicy: policy as CommitPolicy, verifyCmd, ...(timeout ? { verifyTimeoutSec: timeout } : {}) };
}
