import { z } from 'zod';
import { COMMIT_POLICIES, POST_JOB_GATES, type PostJobGate } from './names.js';

export { COMMIT_POLICIES, POST_JOB_GATES, type CommitPolicy, type PostJobGate } from './names.js';

export const postJobGateSchema = z.enum(POST_JOB_GATES);

/**
 * What a job does with its work before the gates, as YAML files name it: a profile's and a wave manifest's
 * `commit:` (the policy), `verify_cmd:` and `verify_timeout_sec:`.
 */
export const workInputsSchema = z.strictObject({
  commit: z.enum(COMMIT_POLICIES).optional(),
  verify_cmd: z.string().min(1).optional(),
  verify_timeout_sec: z.number().positive().optional(),
});

/** Every gate with a command of its own: baseline (start checks it before recording a job), the post-job gates. */
export const GATES = ['baseline', ...POST_JOB_GATES] as const;

export type GateName = (typeof GATES)[number];

/**
 * The inputs of the post-job gates, under the names YAML files give them (a profile's `gates:` section takes
 * some of them, a wave item all of them). Relative paths are resolved by whoever reads the file.
 */
export const gateInputsSchema = z.strictObject({
  /** gates the job must pass after its agent succeeds */
  required: z.array(postJobGateSchema),
  /** feature-key gate: the trailer every commit of the job carries (default: the bead id) */
  feature_key: z.string().min(1).optional(),
  /** feature-key gate: the base to compare against (default: upstream, main, master) */
  base: z.string().min(1).optional(),
  /** feature-key and integrity gates: the branch (default: the current one) */
  branch: z.string().min(1).optional(),
  /** scope gate: allowed paths, one per line */
  allowed_paths_file: z.string().min(1).optional(),
  /** scope gate: most files the job may change (0: none; 100,000 at most, as --mutation-budget) */
  mutation_budget: z.number().int().nonnegative().max(100_000).optional(),
  /** evidence gate: the signoff file the agent must leave, relative to the worktree */
  signoff_file: z.string().min(1).optional(),
});

export type GateInputs = z.infer<typeof gateInputsSchema>;

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/**
 * The gate inputs as options (start's, a wave item's): camelCase names, and the required gates as
 * `requireGates`, text as given (flags take comma lists) that start checks against POST_JOB_GATES.
 */
export type GateOptions = {
  [K in Exclude<keyof GateInputs, 'required'> as CamelCase<K>]?: GateInputs[K];
} & { requireGates?: string[] };

/** The post-job gates of a job with their inputs, resolved and checked by start and kept with the job. */
export interface PostJobGates extends Pick<GateOptions, 'featureKey' | 'base' | 'branch' | 'mutationBudget'> {
  required: PostJobGate[];
  /** the allow-list as read at start: later edits of the file do not change the rules of a running job */
  allowedPaths?: string[];
  /** absolute path (a relative one is resolved against the worktree at start) */
  signoffFile?: string;
}
