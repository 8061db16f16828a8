import { z } from 'zod';
import { COMMIT_POLICIES } from '../contract/names.js';
import { outcomeStateSchema, providerTrySchema, reportedEventCatalog } from '../contract/events.js';
import { sandboxModeSchema } from '../contract/lanes.js';
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
export const thresholdsSecSchema = z.object({
  startup_grace: z.number(),
  stall: z.number(),
  no_op_window: z.number(),
  max_runtime: z.number(),
  no_mutation_timeout: z.number(),
});

/** the filesystem sandbox a run got (or would get), with why */
const sandboxSchema = z.object({
  /** bwrap: the system read-only, the worktree, git dir and the CLI's own dirs writable, a private /tmp */
  mode: z.enum(['bwrap', 'off', 'not_applicable']),
  /** what was asked: --sandbox, the profile's or wave's `sandbox:`, else auto */
  asked: sandboxModeSchema,
  reason: z.string(),
});
/** what became of the agent's work: the commit policy, the commit, the branch, the verification */
const commitPolicy = z
  .enum(COMMIT_POLICIES)
  .describe("auto: dx-runner commits the agent's changes; require: the agent must commit; off: left as they are");
const workFields = {
  commit_policy: commitPolicy,
  reported_commit: z.string().nullable().describe("the commit the job's work ended in (null: none)"),
  branch: z.string().nullable().describe("the worktree's branch when the job ended (null: detached HEAD, running)"),
  verify_cmd: z.string().nullable().describe('the command run in the worktree after the commit (null: none)'),
  verify_result: z
    .object({
      status: z.enum(['passed', 'failed', 'skipped']),
      log: z.string().nullable().describe("the command's output (verify.log in the run folder)"),
      exit_code: nullableInt,
      timed_out: z.boolean(),
    })
    .nullable()
    .describe('null while the job runs; skipped: no command, or the job had failed before it'),
};

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

/** A provider paused on this host after a 429: new work and relaunches on it wait until `until`. */
export const pausedProviderSchema = z.object({
  provider: z.string(),
  /** UTC */
  until: z.string(),
  retry_in_sec: z.number().int().nonnegative(),
  /** 429s in a row (the doubling backoff's step) */
  attempt: z.number().int().positive(),
  reason_code: z.string(),
});

export const statusSchema = z.object({
  generated_at: z.string(),
  jobs: z.array(statusRowSchema),
  paused_providers: z.array(pausedProviderSchema),
});

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
  ...workFields,
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
  /** null: the run was recorded before dx-runner had a sandbox */
  sandbox: sandboxSchema.nullable(),
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
  ...workFields,
  delivery: deliverySchema.nullable().describe('null until the branch was delivered'),
});

/** `diff --json`: what the job changed since its start HEAD, committed and not */
export const diffSchema = z.object({
  beads: z.string(),
  worktree: z.string(),
  start_head: z.string(),
  files: z.array(
    z.object({
      path: z.string(),
      added: nullableInt.describe('lines added; null for a binary file'),
      removed: nullableInt.describe('lines removed; null for a binary file'),
    }),
  ),
  insertions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  patch: z.string().nullable().describe('the patch (git diff --binary); null with --stat'),
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
  /** relaunches of the job after its provider rate-limits it, each after the provider's pause */
  rate_limit_retries: z.number().int().nonnegative(),
  /** the provider's concurrency cap the launch would be counted against */
  max_parallel: z.number().int().positive(),
  sandbox: sandboxSchema,
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
  commit_policy: commitPolicy,
  verify_cmd: z.string().nullable(),
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

export const stopSchema = z.object({
  beads: z.string(),
  state,
  reason_code: z.string(),
  exit_code: nullableInt,
  ended: z
    .object({
      processes: z.number().int().nonnegative(),
      outside_group: z.number().int().nonnegative(),
      sessions_aborted: z.number().int().nonnegative(),
      left: z.number().int().nonnegative(),
    })
    .nullable()
    .describe(
      "what ending the run ended: its processes (outside_group: those that had left the agent's process group or " +
        'session), its sessions aborted on the shared server, and how many could not be killed (left)',
    ),
});

export const pruneSchema = z.object({
  checked: z.number().int().nonnegative(),
  pruned: z.number().int().nonnegative(),
});

export const errorSchema = z.object({
  error: z.object({ reason_code: z.string(), message: z.string(), exit_code: z.number().int() }),
});

export type StatusRow = z.infer<typeof statusRowSchema>;
export type StatusOutput = z.infer<typeof statusSchema>;
export type PausedProvider = z.infer<typeof pausedProviderSchema>;
export type CheckOutput = z.infer<typeof checkSchema>;
export type CheckMissingOutput = z.infer<typeof checkMissingSchema>;
export type ReportOutput = z.infer<typeof reportSchema>;
export type StartOutput = z.infer<typeof startSchema>;
export type DiffOutput = z.infer<typeof diffSchema>;
export type StartPlanOutput = z.infer<typeof startPlanSchema>;
export type StopOutput = z.infer<typeof stopSchema>;
export type PruneOutput = z.infer<typeof pruneSchema>;
export type ErrorOutput = z.infer<typeof errorSchema>;
export type DeliveryOutput = z.infer<typeof deliverySchema>;
export type LandOutput = z.infer<typeof landSchema>;
