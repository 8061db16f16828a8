import { DxError } from '../core/errors.js';
import type { DeliveryPolicy, DeliveryResult } from '../contract/delivery.js';
import { tryGit } from '../governance/git.js';
import type { JobRecord, Store } from '../store/index.js';
import { deliverJob, deliveryFacts, deliveryRefusal, type DeliveryRequest } from './land.js';

/** A recorded job's delivery: may it be delivered, what is asked of git, and the result kept with the job. */

/** Pure: why a job cannot be delivered now (still live, not succeeded), or null. */
export function undeliverable(job: Pick<JobRecord, 'beads' | 'active' | 'outcomeState' | 'outcomeReason'>) {
  if (job.active)
    return new DxError(
      'job_not_deliverable',
      `${job.beads} is still running; wait for it to finish (dx-runner check --beads ${job.beads}), then land it`,
    );
  if (job.outcomeState !== 'success')
    return new DxError(
      'job_not_deliverable',
      `${job.beads} ended ${job.outcomeState ?? 'without an outcome'} (${job.outcomeReason ?? 'unknown'}), ` +
        'so its work is not delivered; start it again, or deliver its branch with git yourself',
    );
  return null;
}

const out = (dir: string, ...args: string[]) => tryGit(dir, args)?.trim() || null;

/**
 * What git is asked to deliver the job's worktree: its repository (the common git dir, shared by every
 * worktree), the branch it has checked out (a worktree made before branches took a prefix keeps its own), and
 * the base: the policy's, else the branch the repository has checked out; the verify command: the policy's, else
 * the job's (`--verify-cmd`), so a merge is checked again on what it lands.
 */
export function deliveryRequest(
  job: Pick<JobRecord, 'beads' | 'worktree' | 'startHead' | 'verifyCmd'>,
  p: DeliveryPolicy,
) {
  if (p.mode === 'none') throw new DxError('job_not_deliverable', 'nothing to deliver with --deliver none');
  const repo = out(job.worktree, 'rev-parse', '--path-format=absolute', '--git-common-dir');
  const branch = out(job.worktree, 'symbolic-ref', '-q', '--short', 'HEAD');
  if (!repo || !branch)
    throw new DxError(
      'job_not_deliverable',
      `${job.worktree} of ${job.beads} is ${repo ? 'on no branch' : 'not a git worktree'}; ` +
        'a job is delivered from the branch its worktree has checked out',
    );
  const base = baseOf(repo, p);
  return {
    repo,
    worktree: job.worktree,
    branch,
    base,
    mode: p.mode,
    remote: p.remote,
    strategy: p.strategy,
    since: job.startHead || undefined,
    verify: p.verify ?? job.verifyCmd ?? undefined, // the job's own check, run again on the landed result
  } satisfies DeliveryRequest;
}

/** The branch `merge` lands on: the policy's, else the one the repository (its main work tree) has checked out. */
const baseOf = (repo: string, p: DeliveryPolicy) =>
  p.base ?? out(repo, 'symbolic-ref', '-q', '--short', 'HEAD') ?? 'main';

/**
 * At start: refuses a delivery that could not happen (no such remote, no base branch, a dirty checkout of the
 * base) before the job is recorded. `dir` is the job's worktree, or the repository one is made from.
 */
export function assertDeliverable(dir: string, p: DeliveryPolicy | undefined): void {
  if (!p) return;
  const repo = out(dir, 'rev-parse', '--path-format=absolute', '--git-common-dir') ?? dir;
  const refusal = deliveryRefusal(deliveryFacts({ repo, base: baseOf(repo, p), remote: p.remote, mode: p.mode }));
  if (refusal) throw refusal;
}

/** Delivers a job's branch as `policy` asks; refused up front, before anything is changed or recorded. */
function deliverBranch(job: JobRecord, policy: DeliveryPolicy): DeliveryResult {
  const req = deliveryRequest(job, policy);
  const facts = deliveryFacts(req);
  const upFront = deliveryRefusal(facts);
  if (upFront) throw upFront;
  return deliverJob(req, facts);
}

/** Delivers a finished job's branch and keeps the result with the job. */
export function landJob(store: Store, job: JobRecord, policy: DeliveryPolicy): DeliveryResult {
  const refusal = undeliverable(job);
  if (refusal) throw refusal;
  const result = deliverBranch(job, policy);
  store.jobs.setDelivery(job.id, result);
  return result;
}

/**
 * A job that succeeded, its work committed, gated and verified: delivers it as its `--deliver` asked (nothing
 * without one) and keeps the result with the job. A delivery refused now (the remote removed since the start,
 * say) is kept as a failed delivery with its reason; the outcome stays the agent's, and `dx-runner land` may
 * deliver it again.
 */
export function deliverFinished(store: Store, job: JobRecord): DeliveryResult | null {
  const policy = job.settings.delivery;
  if (!policy) return null;
  let result: DeliveryResult;
  try {
    result = deliverBranch(job, policy);
  } catch (e) {
    if (!(e instanceof DxError)) throw e;
    result = {
      mode: policy.mode === 'push' ? 'push' : 'merge',
      result: 'failed',
      reasonCode: e.reasonCode,
      detail: e.message,
      branch: out(job.worktree, 'symbolic-ref', '-q', '--short', 'HEAD') ?? '',
      ref: null,
      sha: null,
      conflicts: [],
      ms: 0,
    };
  }
  store.jobs.setDelivery(job.id, result);
  return result;
}
