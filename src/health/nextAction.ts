/** reason_code → the operator's next step, for the codes a job can end or stall with. */
const BY_REASON: Record<string, string> = {
  opencode_rate_limited: 'retry_backoff_or_switch_to_gemini_or_cc_glm',
  opencode_model_unavailable: 'use_cc_glm_or_gemini',
  opencode_auth_failed: 'repair_provider_credentials_then_restart',
  opencode_provider_error: 'retry_backoff_or_switch_provider',
  opencode_error_event: 'review_logs_then_restart',
  gemini_rate_limited: 'retry_backoff_or_switch_to_opencode_or_cc_glm',
  gemini_model_unavailable: 'use_opencode_or_cc_glm',
  gemini_auth_failed: 'repair_provider_credentials_then_restart',
  gemini_provider_error: 'retry_backoff_or_switch_provider',
  gemini_error_event: 'review_logs_then_restart',
  manual_stop: 'job_stopped_by_operator_review_logs',
  killed: 'job_killed_review_logs_and_restart_if_needed',
  exit_zero_no_mutations: 'redispatch_with_guardrails_or_review_prompt_for_no_work',
  exit_zero_without_final_answer: 'review_logs_agent_ended_without_answer',
  process_exited_without_rc: 'review_logs_process_was_killed_or_crashed',
  process_exit_with_rc: '-',
  startup_grace_no_output: 'wait_for_startup_completion_or_check_logs_for_progress',
  no_output_within_grace: 'wait_for_startup_completion_or_check_logs_for_progress',
  no_output_no_progress_after_threshold: 'run_dx_runner_restart_or_let_watchdog_retry',
  stale_log_and_no_cpu_progress: 'run_dx_runner_restart_or_let_watchdog_retry',
  max_runtime_exceeded: 'run_dx_runner_restart_or_let_watchdog_retry',
  no_mutation_timeout: 'review_prompt_then_restart',
  no_heartbeat_no_mutation: 'redispatch_with_guardrails_or_review_prompt_for_no_work',
  startup_scan_in_progress: 'wait_for_startup_completion_or_check_logs_for_progress',
  startup_cpu_progress_no_output: 'wait_for_startup_completion_or_check_logs_for_progress',
  cpu_progress_no_output: 'wait_for_startup_completion_or_check_logs_for_progress',
  cpu_progress_no_output_past_threshold: 'check_logs_agent_busy_without_output',
  worktree_changed_no_output: 'wait_then_review_worktree_changes',
  cpu_progress: '-',
  // a restart's reason on a bead's newest run: it was ended but not relaunched yet (the provider was at its cap)
  watchdog_restart: 'relaunch_waits_for_provider_capacity_watchdog_relaunches_it',
  server_lost: 'check_dx_runner_serve_status_then_let_watchdog_redispatch',
  server_unhealthy: 'check_dx_runner_serve_status',
  manual_restart: 'relaunch_waits_for_provider_capacity_watchdog_relaunches_it',
  recent_output_activity: '-',
  no_meta: 'verify_beads_id_or_start_job',
  spawn_failed: 'check_provider_binary_then_start_again',
  rate_limit_backoff: 'wait_the_relaunch_after_the_provider_pause_or_stop_it',
  rate_limit_relaunch: 'superseded_by_a_newer_run_of_this_bead',
  // a run whose agent's database was busy as it started: relaunched at once, or when the provider has a slot
  store_busy: 'relaunch_waits_for_provider_capacity_watchdog_relaunches_it',
  // a fleet job's local run ended with its worker: the engine gives the job to another host as its next attempt
  fleet_worker_lost: 'check_the_job_with_check_fleet_it_moves_to_another_host',
  fleet_lock_lost: 'check_the_job_with_check_fleet_it_moves_to_another_host',
};

/** Provider failure classes (errors.ts) of providers without their own entry: `cc_glm_auth_failed` … */
const BY_FAILURE_CLASS: Array<[RegExp, string]> = [
  [/_auth_failed$/, 'repair_provider_credentials_then_restart'],
  [/_(rate_limited|provider_error)$/, 'retry_backoff_or_switch_provider'],
  [/_store_busy$/, 'relaunched_automatically_if_it_persists_stagger_starts'],
  [/_model_unavailable$/, 'check_the_model_name_or_switch_provider'],
  [/_budget_exceeded$/, 'raise_CLAUDE_CODE_MAX_BUDGET_USD_or_split_the_task'],
];

export function nextActionFor(reasonCode: string, state: string): string {
  const known = BY_REASON[reasonCode] ?? BY_FAILURE_CLASS.find(([re]) => re.test(reasonCode))?.[1];
  if (known) return known;
  if (state === 'exited_err') return 'review_logs_then_restart';
  if (state === 'blocked') return 'review_logs_fix_the_cause_then_start_again';
  if (state === 'governance_failed') return 'review_gate_verdicts_in_report_then_fix_or_route_to_fallback';
  return '-';
}
