import { z } from 'zod';
import { outcomeStateSchema, providerTrySchema, reportedEventCatalog } from '../contract/events.js';
import { HEALTH_STATES, OUTCOME_STATES_IN_WORDS } from '../health/index.js';

/**
 * The `--json` output contract. The functions that produce an output declare its type from here (the types at
 * the end); the tests validate every JSON output against these schemas and `dx-runner schema <name>` prints
 * them as JSON Schema for consumers. Not parsed at run time, and imported as types only (`import type`) by what
 * `check` and `status` load: importing zod would cost more than `check` itself.
 */
export const state = z.enum(HEALTH_STATES).describe("the job's state: the one name every command and view gives it");
/** what a field holding the older tool's outcome name (success, failed, killed, …) says about it */
const OLDER = `the older dx-runner's outcome name, kept for its scripts; as a state: ${OUTCOME_STATES_IN_WORDS}`;
export const nullableInt = z.number().int().nullable();

/** the thresholds fixed into a job at start (flags > profile > env > defaults), in seconds */
const thresholdsSecSchema = z.object({
  startup_grace: z.number(),
  stall: z.number(),
  no_op_window: z.number(),
  max_runtime: z.number(),
  no_mutation_timeout: z.number(),
});

export const statusRowSchema = z.object({
  beads: z.string(),
  provider: z.string(),
  pid: nullableInt,
  state,
  reason_code: z.string(),
  elapsed: z.number().int().nonnegative(),
  log_bytes: z.number().int().nonnegative(),
  mutation_count: z.number().int().nonnegative(),
  retry_count: z.number().int().nonnegative(),
  outcome: z.string().nullable().describe(`<outcome>:<exit code>, null while running; <outcome>: ${OLDER}`),
  host: z.string(),
  cwd: z.string(),
  worktree: z.string(),
  run_instance: z.string(),
});

export const statusSchema = z.object({ generated_at: z.string(), jobs: z.array(statusRowSchema) });

export const checkSchema = z.object({
  beads: z.string(),
  provider: z.string(),
  state,
  reason_code: z.string(),
  next_action: z.string(),
  host: z.string(),
  cwd: z.string(),
  worktree: z.string(),
  run_instance: z.string(),
  selected_model: z.string(),
  fallback_reason: z.string(),
  execution_mode: z.string(),
  exit_code: nullableInt,
  session_id: z.string().nullable(),
  mutation_count: z.number().int().nonnegative(),
  log_bytes: z.number().int().nonnegative(),
  pid_age_sec: z.number().int().nonnegative(),
  log_age_sec: nullableInt,
});

/** `check` for a bead with no record */
export const checkMissingSchema = z.object({
  beads: z.string(),
  provider: z.literal('unknown'),
  state: z.literal('missing'),
  reason_code: z.literal('no_meta'),
  next_action: z.string(),
});

/** what delivering the job's branch did (`--deliver`, `dx-runner land`) */
export const deliverySchema = z.object({
  mode: z.enum(['push', 'merge']),
  result: z.enum(['pushed', 'landed', 'failed']),
  reason_code: z.string().nullable().describe('why it failed (push_rejected, merge_conflict, verify_failed, …)'),
  detail: z.string(),
  branch: z.string().describe("the job's branch"),
  ref: z.string().nullable().describe('the pushed ref (origin/dx/bd-1), or the base branch that moved'),
  sha: z.string().nullable().describe('the commit pushed, or the base branch’s new commit'),
  conflicts: z.array(z.string()).describe('the conflicting paths of a merge_conflict'),
  ms: z.number().int().nonnegative().describe('what the delivery took, the verify command included'),
});

export const reportSchema = z.object({
  beads: z.string(),
  provider: z.string(),
  state,
  reason_code: z.string(),
  next_action: z.string(),
  started_at: z.string(),
  completed_at: z.string().nullable(),
  duration_sec: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  exit_code: nullableInt,
  outcome_state: outcomeStateSchema.nullable().describe(`null while the run is live; else ${OLDER}`),
  /** the run's event log, oldest first; a `finalized` event's `state` is the state the run ended in */
  events: z.array(reportedEventCatalog(state)),
  gates: z.record(
    z.string(),
    z.object({ passed: z.boolean(), reason_code: z.string(), details: z.string() }).passthrough(),
  ),
  profile: z.string().nullable(),
  thresholds_sec: thresholdsSecSchema,
  max_parallel: z.number().int().positive(),
  outcome_reason_code: z.string().nullable(),
  selected_model: z.string(),
  fallback_reason: z.string(),
  execution_mode: z.string(),
  worktree: z.string(),
  mutations: z.number().int().nonnegative(),
  log_bytes: z.number().int().nonnegative(),
  session_id: z.string().nullable(),
  tokens_in: z.number().int().nonnegative(),
  tokens_out: z.number().int().nonnegative(),
  host: z.string(),
  cwd: z.string(),
  run_instance: z.string(),
  pid: nullableInt,
  supervisor_pid: nullableInt,
  log_file: z.string(),
  delivery: deliverySchema.nullable().describe('null until the branch was delivered'),
});

export const landSchema = z.object({ beads: z.string(), ...deliverySchema.shape });

export const startSchema = z.object({
  beads: z.string(),
  provider: z.string(),
  pid: z.number().int().positive(),
  state: z.literal('launching'),
  run_instance: z.string(),
  selected_model: z.string(),
  /** 'none', or '<provider>:<reason_code>' when start routed the job past a provider that failed its checks */
  fallback_reason: z.string(),
  worktree: z.string(),
  log: z.string(),
});

/** `start --dry-run --json`: what start would record and launch; nothing is recorded */
export const startPlanSchema = z.object({
  dry_run: z.literal(true),
  beads: z.string(),
  provider: z.string(),
  selected_model: z.string(),
  /** the lane: headless, attach or server */
  execution_mode: z.string(),
  /** 'none', or '<provider>:<reason_code>' of the first provider that failed start's checks */
  fallback_reason: z.string(),
  /** each provider start checked, in order, until one passed (as the job's `preflight` events would say) */
  tried: z.array(providerTrySchema),
  profile: z.string().nullable(),
  worktree: z.string(),
  /** null: the worktree exists; else start --worktree-root makes it at launch from this repository and commit */
  worktree_source: z.object({ repo: z.string(), base: z.string(), commit: z.string() }).nullable(),
  /** the prompt file, `-` (stdin) or `--prompt` (the task given inline) */
  prompt_file: z.string(),
  thresholds_sec: thresholdsSecSchema,
  provider_retry_limit: z.number().int().positive(),
  /** the provider's concurrency cap the launch would be counted against */
  max_parallel: z.number().int().positive(),
  /** the post-job gates required, with their inputs as checked; null: none */
  gates: z
    .object({
      required: z.array(z.string()),
      feature_key: z.string().nullable(),
      base: z.string().nullable(),
      branch: z.string().nullable(),
      allowed_paths: z.array(z.string()).nullable(),
      mutation_budget: z.number().int().nonnegative().nullable(),
      signoff_file: z.string().nullable(),
    })
    .nullable(),
  /** the command that would run (in the worktree, the prompt on stdin) */
  command: z.object({
    argv: z.array(z.string()),
    cwd: z.string(),
    /** variables the launch sets or changes, by name only: their values may be secrets */
    env_set: z.array(z.string()),
    /** variables of the caller's environment the launch removes */
    env_unset: z.array(z.string()),
  }),
});

export const profilesSchema = z.object({
  profiles: z.array(
    z.object({
      name: z.string(),
      file: z.string(),
      provider: z.string().nullable(),
      description: z.string().nullable(),
      error: z.string().nullable(),
      shadowed: z.array(z.string()),
    }),
  ),
});

/** `profiles --show NAME --json`: the profile as written, and the settings a job started with it gets. */
export const profileShowSchema = z.object({
  name: z.string(),
  file: z.string(),
  profile: z.record(z.string(), z.unknown()),
  effective: z.object({
    provider: z.string(),
    model: z.string(),
    allowed_models: z.array(z.string()).nullable(),
    lane: z.string(),
    fallback: z.array(z.string()),
    strict: z.boolean(),
    max_parallel: z.number().int().positive(),
    thresholds_sec: thresholdsSecSchema,
    gates: z.array(z.string()),
  }),
});

export const stopSchema = z.object({ beads: z.string(), state, reason_code: z.string(), exit_code: nullableInt });

export const pruneSchema = z.object({
  checked: z.number().int().nonnegative(),
  pruned: z.number().int().nonnegative(),
});

export const errorSchema = z.object({
  error: z.object({ reason_code: z.string(), message: z.string(), exit_code: z.number().int() }),
});

export type StatusRow = z.infer<typeof statusRowSchema>;
export type StatusOutput = z.infer<typeof statusSchema>;
export type CheckOutput = z.infer<typeof checkSchema>;
export type CheckMissingOutput = z.infer<typeof checkMissingSchema>;
export type ReportOutput = z.infer<typeof reportSchema>;
export type StartOutput = z.infer<typeof startSchema>;
export type StartPlanOutput = z.infer<typeof startPlanSchema>;
export type ProfilesOutput = z.infer<typeof profilesSchema>;
export type ProfileShowOutput = z.infer<typeof profileShowSchema>;
export type StopOutput = z.infer<typeof stopSchema>;
export type PruneOutput = z.infer<typeof pruneSchema>;
export type ErrorOutput = z.infer<typeof errorSchema>;
export type DeliveryOutput = z.infer<typeof deliverySchema>;
export type LandOutput = z.infer<typeof landSchema>;
