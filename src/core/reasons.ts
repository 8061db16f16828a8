/**
 * The reason codes dx-runner refuses or fails with, each with its kind. A reason code is the stable name
 * operators and scripts see (`reason_code`); the kind is what callers decide on: the CLI's exit code, and
 * whether another provider may take the job. Code decides on a kind (kindOf, hasKind) or asks for one reason
 * (isReason), never by comparing reason strings itself.
 */

/** What kind of failure a reason is, named for what cures it. */
export type ErrorKind =
  /** the command line or an input file is wrong: fix the call */
  | 'input'
  /** the recorded jobs or waves do not allow it now: none recorded, already running, not running */
  | 'state'
  /** a rule refuses the job as asked: the model policy, a secret in the prompt, the required baseline */
  | 'policy'
  /** the worktree cannot be used: missing, not a git work tree, cannot be created, refused by the policy */
  | 'worktree'
  /** a file, tool or service the command needs is missing, unreadable or broken */
  | 'environment'
  /** the provider's credentials are missing or refused: another provider may take the job */
  | 'credentials'
  /** the provider cannot run this job (its binary, the model): another provider may take it */
  | 'provider'
  /** the asked lane cannot run: no shared server, an unhealthy one, or a provider without that lane */
  | 'lane'
  /** no room now (the concurrency cap, a rate limit, an overloaded provider): waiting is the cure */
  | 'capacity'
  /** a failure nobody foresaw */
  | 'internal';

/** Every fixed reason code and its kind. */
export const REASONS = {
  // input
  beads_missing: 'input',
  invalid_beads_id: 'input',
  prompt_file_missing: 'input',
  prompt_empty: 'input',
  prompt_not_text: 'input',
  prompt_too_large: 'input',
  /** a number (flag, variable, file field) or a value outside what it takes; the message names it and the range */
  invalid_argument: 'input',
  invalid_provider: 'input',
  invalid_run_id: 'input',
  invalid_model_for: 'input',
  unknown_lane: 'input',
  unknown_sandbox: 'input',
  sandbox_lane_unsupported: 'input',
  unknown_gate: 'input',
  unknown_commit_policy: 'input',
  unknown_workflow: 'input',
  unknown_prompt_id: 'input',
  unknown_shell: 'input',
  fallback_invalid: 'input',
  feature_key_missing: 'input',
  feature_key_invalid_format: 'input',
  scope_missing: 'input',
  allowed_paths_file_missing: 'input',
  signoff_file_missing: 'input',
  schema_not_found: 'input',
  non_loopback_refused: 'input',
  provider_not_found: 'input',
  profile_not_found: 'input',
  profile_invalid: 'input',
  profile_unreadable: 'input',
  wave_input_conflict: 'input',
  wave_input_missing: 'input',
  manifest_unreadable: 'input',
  manifest_invalid: 'input',
  base_ref_unknown: 'input',
  prompt_set_invalid: 'input',
  progressive_state_invalid: 'input',
  output_unwritable: 'input',
  output_exists: 'input',
  // what the bash dx-runner took that this one does not (src/cli/deprecated.ts)
  flag_unsupported: 'input',
  command_removed: 'input',
  invalid_reason_code: 'input',
  // delivery (push, merge, land): refused up front, or the delivery's own failure
  base_missing: 'input',
  // the fleet (src/fleet): its Redis URL, its jobs
  fleet_url_invalid: 'input',
  fleet_job_not_found: 'state',
  // state
  no_meta: 'state',
  state_db_corrupt: 'state',
  state_db_readonly: 'state',
  state_db_emptied: 'state',
  job_not_running: 'state',
  job_already_running: 'state',
  restart_in_progress: 'state',
  launch_record_missing: 'state',
  wave_not_found: 'state',
  wave_not_running: 'state',
  beads_none_ready: 'state',
  job_not_deliverable: 'state',
  nothing_to_deliver: 'state',
  merge_conflict: 'state',
  base_moved: 'state',
  // policy
  model_override_blocked: 'policy',
  model_not_allowed: 'policy',
  secret_in_prompt: 'policy',
  raw_op_forbidden_in_agent_context: 'policy',
  required_baseline_missing: 'policy',
  runtime_commit_missing: 'policy',
  required_commit_missing: 'policy',
  baseline_not_met: 'policy',
  verify_failed: 'policy',
  // worktree
  worktree_missing: 'worktree',
  worktree_not_git: 'worktree',
  not_a_git_repo: 'worktree',
  worktree_create_failed: 'worktree',
  worktree_repo_mismatch: 'worktree',
  canonical_worktree_forbidden: 'worktree',
  worktree_outside_policy: 'worktree',
  canonical_dirty: 'worktree',
  uncommitted_changes: 'worktree',
  // environment
  prompt_file_unreadable: 'environment',
  prompt_file_empty: 'environment',
  beads_cli_missing: 'environment',
  beads_ready_failed: 'environment',
  beads_output_invalid: 'environment',
  server_start_failed: 'environment',
  spawn_failed: 'environment',
  sandbox_unavailable: 'environment',
  state_disk_full: 'environment',
  collect_failed: 'environment',
  summarize_failed: 'environment',
  remote_missing: 'environment',
  push_rejected: 'environment',
  fleet_unreachable: 'environment',
  fleet_auth_failed: 'environment',
  fleet_repo_unreachable: 'environment',
  /** a fleet job's local run ended because its host's worker died (the engine gives the job to another host) */
  fleet_worker_lost: 'environment',
  /** a fleet job's local run ended because its worker lost the engine's lock on it (another host may take it) */
  fleet_lock_lost: 'environment',
  // credentials, provider, lane, capacity (and the provider-named families below)
  secret_auth_resolution_failed: 'credentials',
  cc_glm_token_file_error: 'credentials',
  provider_binary_missing: 'provider',
  model_unavailable: 'provider',
  opencode_attach_missing_url: 'lane',
  server_unhealthy: 'lane',
  provider_concurrency_cap_exceeded: 'capacity',
  internal_error: 'internal',
} as const satisfies Record<string, ErrorKind>;

/**
 * How a provider's run fails, as its adapter classifies an HTTP status or message: the run ends with
 * `<provider>_<class>` (`opencode_rate_limited`).
 */
export const FAILURE_CLASSES = {
  auth_failed: 'credentials',
  model_unavailable: 'provider',
  rate_limited: 'capacity',
  /** 5xx, overloaded */
  provider_error: 'capacity',
  /** an error event no rule places */
  error_event: 'internal',
  /**
   * the CLI's own local database was locked or being set up as it started (several runs starting together on
   * one data home): transient, the run is relaunched
   */
  store_busy: 'capacity',
} as const satisfies Record<string, ErrorKind>;

export type FailureClass = keyof typeof FAILURE_CLASSES;

/**
 * Reasons named after a provider: its failure classes, its credentials missing (`cc_glm_auth_missing`), a lane
 * it does not offer (`<provider>_<lane>_mode_unavailable`).
 */
const FAMILIES = {
  ...FAILURE_CLASSES,
  auth_missing: 'credentials',
  mode_unavailable: 'lane',
} as const satisfies Record<string, ErrorKind>;

type Family = keyof typeof FAMILIES;

export type ReasonCode = keyof typeof REASONS | `${string}_${Family}`;

const FAMILY_SUFFIXES = Object.keys(FAMILIES) as Family[];

/** The kind of a reason code; undefined for a string outside the catalog (a job's own outcome, say). */
export function kindOf(reason: ReasonCode): ErrorKind;
export function kindOf(reason: string): ErrorKind | undefined;
export function kindOf(reason: string): ErrorKind | undefined {
  if (Object.hasOwn(REASONS, reason)) return REASONS[reason as keyof typeof REASONS];
  const family = FAMILY_SUFFIXES.find((f) => reason.endsWith(`_${f}`));
  return family && FAMILIES[family];
}

/**
 * A reason code read from data (a gate verdict start refuses with) as the catalog's own. A code missing from the
 * catalog is a bug in it, so it fails loudly instead of passing an unknown reason on.
 */
export function asReasonCode(code: string): ReasonCode {
  if (kindOf(code)) return code as ReasonCode;
  throw new Error(`reason code '${code}' is not in the catalog (src/core/reasons.ts)`);
}

/** A run's outcome reason that says its provider rate-limited it (`opencode_rate_limited`). */
export const isRateLimit = (reason: string) => reason.endsWith('_rate_limited');

/** A run's outcome reason that says the CLI's own local database was busy as it started (`opencode_store_busy`). */
export const isStoreBusy = (reason: string) => reason.endsWith('_store_busy');

/** The provider's own fault (its credentials, binary or model), so another provider may take the job. */
export const isProviderFault = (kind: ErrorKind | undefined) => kind === 'credentials' || kind === 'provider';
