/**
 * How a job's work is delivered, as plain constants and types: start, profiles, wave manifests, the store and
 * the reports share them; the delivery itself is `delivery/land.ts`.
 */

/** none: the work stays on the job's branch; push: the branch goes to a remote; merge: it lands on the base. */
export const DELIVER_MODES = ['none', 'push', 'merge'] as const;
export type DeliverMode = (typeof DELIVER_MODES)[number];

/** How `merge` puts the branch over the current base before the base fast-forwards to it. */
export const MERGE_STRATEGIES = ['rebase', 'merge'] as const;
export type MergeStrategy = (typeof MERGE_STRATEGIES)[number];

/** The job branch's default prefix: a job's branch is `<prefix>/<bead id>`. */
export const DEFAULT_BRANCH_PREFIX = 'dx';

/** How a job's work is to be delivered (kept with the job and the wave item). */
export interface DeliveryPolicy {
  mode: DeliverMode;
  remote: string;
  strategy: MergeStrategy;
  /** the base branch `merge` lands on */
  base?: string;
  /** run on the result before it lands (`sh -c` in the worktree) */
  verify?: string;
}

/** What a delivery did: kept with the job (`delivery`) and shown by report and wave report. */
export interface DeliveryResult {
  mode: Exclude<DeliverMode, 'none'>;
  result: 'pushed' | 'landed' | 'failed';
  /** a reason code of the catalog when it failed */
  reasonCode: string | null;
  /** one line: what happened, or why not */
  detail: string;
  branch: string;
  /** the pushed ref (`origin/dx/bd-1`) or the base moved (`main`) */
  ref: string | null;
  /** the commit pushed, or the base's new commit */
  sha: string | null;
  /** the paths that conflicted (merge_conflict) */
  conflicts: string[];
  /** how long the delivery took (git's work and the verify command) */
  ms: number;
}
