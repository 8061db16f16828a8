import { spawnSync } from 'node:child_process';
import { DxError } from '../core/errors.js';
import { asReasonCode, type ReasonCode } from '../core/reasons.js';
import type { DeliverMode, DeliveryPolicy, DeliveryResult, MergeStrategy } from '../contract/delivery.js';

/**
 * Delivery of one job's branch: push it to a remote, or land it on the base branch of the canonical repository
 * (rebase or merge onto the current base, verify the result, fast-forward the base). The decisions are pure
 * functions over git's facts; deliverJob is the git edge. The base is only ever moved by a guarded
 * fast-forward, so it is never left half-merged, and the job's branch keeps its work whatever happens.
 */

export type { DeliverMode, DeliveryPolicy, DeliveryResult, MergeStrategy };

export interface DeliveryRequest {
  /** the canonical repository (its work tree or git dir) */
  repo: string;
  /** the job's worktree, on `branch` */
  worktree: string;
  branch: string;
  /** the base branch `merge` lands on */
  base: string;
  mode: Exclude<DeliverMode, 'none'>;
  remote: string;
  strategy: MergeStrategy;
  /** the commit the job started from: a branch with nothing beyond it has nothing to deliver */
  since?: string;
  /** run with `sh -c` in the worktree on the rebased result; non-zero exit = not landed */
  verify?: string;
}

/** Pure: `git status --porcelain -z` → the paths in conflict (both sides changed, or one deleted). */
export function parseConflicts(porcelainZ: string): string[] {
  const unmerged = new Set(['DD', 'AU', 'UD', 'UA', 'DU', 'AA', 'UU']);
  return porcelainZ
    .split('\0')
    .filter((e) => e.length > 3 && unmerged.has(e.slice(0, 2)))
    .map((e) => e.slice(3));
}

/** Pure: the work tree `git worktree list --porcelain` shows with `branch` checked out, or null. */
export function checkoutOf(porcelain: string, branch: string): string | null {
  for (const block of porcelain.split('\n\n')) {
    const lines = block.split('\n');
    if (lines.includes(`branch refs/heads/${branch}`))
      return lines.find((l) => l.startsWith('worktree '))?.slice('worktree '.length) ?? null;
  }
  return null;
}

/** What a delivery's refusal up front is decided on (read from git before anything changes). */
export interface DeliveryFacts {
  mode: DeliverMode;
  remote: string;
  /** the remote's URL; null: no such remote */
  remoteUrl: string | null;
  base: string;
  /** the base branch's commit; null: no such branch */
  baseCommit: string | null;
  /** the checkout that has the base branch checked out, and whether it has uncommitted changes */
  canonical: { path: string; dirty: boolean } | null;
}

/** Pure: the refusal a delivery gets before it changes anything, or null when it may go ahead. */
export function deliveryRefusal(f: DeliveryFacts): DxError | null {
  if (f.mode === 'push' && f.remoteUrl === null)
    return new DxError(
      'remote_missing',
      `the repository has no remote ${f.remote} to push to; add it (git remote add ${f.remote} <url>) ` +
        'or name another with --remote',
    );
  if (f.mode !== 'merge') return null;
  if (f.baseCommit === null)
    return new DxError(
      'base_missing',
      `the base branch ${f.base} does not exist in the repository; name an existing branch with --base`,
    );
  if (f.canonical?.dirty)
    return new DxError(
      'canonical_dirty',
      `${f.canonical.path} has ${f.base} checked out with uncommitted changes, so it cannot be fast-forwarded; ` +
        'commit or stash them first',
    );
  return null;
}

/** Pure: how the base moves once the result is verified: in the checkout that has it, else by its ref alone. */
export const fastForwardBy = (canonical: DeliveryFacts['canonical']): 'checkout' | 'ref' =>
  canonical ? 'checkout' : 'ref';

export interface Ran {
  ok: boolean;
  out: string;
  /** the first line the command said on failure */
  line: string;
}

function sh(cwd: string, cmd: string, args: string[], timeoutMs?: number): Ran {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  const said = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim();
  const line = r.error ? r.error.message : (said.split('\n').find((l) => l.trim()) ?? `exit ${r.status}`).trim();
  return { ok: r.status === 0 && !r.error, out: r.stdout ?? '', line };
}

export const git = (cwd: string, ...args: string[]) => sh(cwd, 'git', args);
export const value = (r: Ran) => (r.ok ? r.out.trim() || null : null);

/** Reads the facts a delivery is refused on, only those its mode needs (each is a git process); changes nothing. */
export function deliveryFacts(
  req: Pick<DeliveryRequest, 'repo' | 'base' | 'remote'> & { mode: DeliverMode },
): DeliveryFacts {
  const merge = req.mode === 'merge';
  const at = merge ? checkoutOf(git(req.repo, 'worktree', 'list', '--porcelain').out, req.base) : null;
  return {
    mode: req.mode,
    remote: req.remote,
    remoteUrl: merge ? null : value(git(req.repo, 'remote', 'get-url', req.remote)),
    base: req.base,
    baseCommit: merge ? value(git(req.repo, 'rev-parse', '--verify', '-q', `refs/heads/${req.base}^{commit}`)) : null,
    canonical: at ? { path: at, dirty: !!value(git(at, 'status', '--porcelain', '--untracked-files=no')) } : null,
  };
}

/** The verify command gets this long before it counts as failed. */
const VERIFY_TIMEOUT_MS = 30 * 60_000;

/** Why a branch did not go over its base: the reason, one line, and the paths in conflict. */
export interface NotOver {
  reasonCode: ReasonCode;
  detail: string;
  conflicts: string[];
}

/**
 * Puts the worktree's branch over `onto` (rebase, or a merge of it) and runs the verify command on the result:
 * its new head, or why not (a conflict is aborted, so the worktree is left as it was). Both the local landing and
 * the fleet's (remote.ts) go through here.
 */
export function overBase(
  req: Pick<DeliveryRequest, 'worktree' | 'branch' | 'base' | 'strategy' | 'verify'>,
  onto: string,
): { head: string } | NotOver {
  const put =
    req.strategy === 'rebase'
      ? git(req.worktree, 'rebase', '-q', onto)
      : git(req.worktree, 'merge', '-q', '--no-edit', onto);
  if (!put.ok) {
    const conflicts = parseConflicts(git(req.worktree, 'status', '--porcelain', '-z').out);
    git(req.worktree, req.strategy, '--abort');
    const what = conflicts.length ? conflicts.join(', ') : put.line;
    return {
      reasonCode: 'merge_conflict',
      detail: `${req.branch} does not ${req.strategy} onto ${req.base}: ${what}`,
      conflicts,
    };
  }
  if (req.verify) {
    const v = sh(req.worktree, 'sh', ['-c', req.verify], VERIFY_TIMEOUT_MS);
    if (!v.ok)
      return {
        reasonCode: 'verify_failed',
        detail: `the verify command failed on ${req.branch} over ${req.base}: ${v.line}`,
        conflicts: [],
      };
  }
  return { head: value(git(req.worktree, 'rev-parse', 'HEAD')) as string };
}

/** The results of one delivery: `done` fills in what it does not say and the time taken since this call. */
export function deliveryResults(mode: DeliveryResult['mode'], branch: string) {
  const t0 = Date.now();
  const done = (r: Partial<DeliveryResult> & Pick<DeliveryResult, 'result' | 'detail'>): DeliveryResult => ({
    mode,
    reasonCode: null,
    branch,
    ref: null,
    sha: null,
    conflicts: [],
    ...r,
    ms: Date.now() - t0,
  });
  const failed = (reasonCode: ReasonCode, detail: string, conflicts: string[] = []) =>
    done({ result: 'failed', reasonCode, detail, conflicts });
  return { done, failed };
}

/**
 * Delivers one job's branch as asked: pushed, landed, or failed with its reason; never throws for git's no.
 * `facts`: those a caller already read for its refusal up front, so git is asked once.
 */
export function deliverJob(req: DeliveryRequest, facts: DeliveryFacts = deliveryFacts(req)): DeliveryResult {
  const { done, failed } = deliveryResults(req.mode, req.branch);

  const refusal = deliveryRefusal(facts);
  if (refusal) return failed(refusal.reasonCode, refusal.message);
  if (value(git(req.worktree, 'status', '--porcelain', '--untracked-files=no')))
    return failed('uncommitted_changes', `${req.worktree} has uncommitted changes; commit them, then deliver`);
  const from = req.mode === 'merge' ? (facts.baseCommit as string) : req.since;
  // the commits beyond `from` (none, or no HEAD at all: nothing to deliver); a push also sends HEAD's sha
  const ahead = from ? value(git(req.worktree, 'rev-list', '--count', `${from}..HEAD`)) : null;
  const head = req.mode === 'push' ? value(git(req.worktree, 'rev-parse', 'HEAD')) : null;
  if ((from && (ahead === null || ahead === '0')) || (req.mode === 'push' && !head))
    return failed('nothing_to_deliver', `${req.branch} has no commit beyond ${from ?? 'its start'} to deliver`);

  if (req.mode === 'push') {
    const pushed = git(req.worktree, 'push', '-q', req.remote, `HEAD:refs/heads/${req.branch}`);
    if (!pushed.ok) return failed('push_rejected', `git push ${req.remote} ${req.branch}: ${pushed.line}`);
    return done({
      result: 'pushed',
      detail: `pushed to ${req.remote}/${req.branch}`,
      ref: `${req.remote}/${req.branch}`,
      sha: head,
    });
  }

  const old = facts.baseCommit as string;
  const over = overBase(req, old);
  if ('reasonCode' in over) return failed(over.reasonCode, over.detail, over.conflicts);
  const next = over.head;
  const moved =
    fastForwardBy(facts.canonical) === 'checkout'
      ? git(facts.canonical?.path as string, 'merge', '-q', '--ff-only', next)
      : git(req.repo, 'update-ref', `refs/heads/${req.base}`, next, old);
  if (!moved.ok)
    return failed('base_moved', `${req.base} moved while ${req.branch} was landing (${moved.line}); land it again`);
  return done({
    result: 'landed',
    detail: `${req.base} fast-forwarded to ${next.slice(0, 12)}`,
    ref: req.base,
    sha: next,
  });
}

/** A failed delivery as the refusal a command ends on. */
export const deliveryError = (r: DeliveryResult): DxError =>
  new DxError(asReasonCode(r.reasonCode ?? 'internal_error'), `${r.detail}; the branch ${r.branch} keeps its work`);
