import { describe, expect, it } from 'vitest';
import { checkExitCode, exitCodeFor, preflightExitCode } from '../../../src/cli/exit.js';
import { DxError } from '../../../src/core/errors.js';
import { REASONS, type ErrorKind, type ReasonCode } from '../../../src/core/reasons.js';
import { HEALTH_STATES, type HealthState } from '../../../src/health/index.js';
import type { Finding } from '../../../src/providers/preflight.js';

/** Every fixed reason under the exit code the README documents for it. */
const DOCUMENTED: Record<number, (keyof typeof REASONS)[]> = {
  1: [
    'no_meta',
    'job_not_running',
    'job_already_running',
    'restart_in_progress',
    'launch_record_missing',
    'wave_not_found',
    'wave_not_running',
    'beads_none_ready',
    'required_baseline_missing',
    'runtime_commit_missing',
    'required_commit_missing',
    'baseline_not_met',
    'prompt_file_unreadable',
    'prompt_file_empty',
    'beads_ready_failed',
    'beads_output_invalid',
    'server_start_failed',
    'spawn_failed',
    'sandbox_unavailable',
    'internal_error',
    'state_db_corrupt',
    'state_db_readonly',
    'state_db_emptied',
    'state_disk_full',
    'job_not_deliverable',
    'nothing_to_deliver',
    'merge_conflict',
    'base_moved',
    'verify_failed',
    'remote_missing',
    'push_rejected',
    'fleet_job_not_found',
    'fleet_unreachable',
    'fleet_auth_failed',
    'fleet_repo_unreachable',
    'fleet_worker_lost',
    'fleet_lock_lost',
  ],
  2: [
    'beads_missing',
    'invalid_beads_id',
    'prompt_file_missing',
    'invalid_argument',
    'invalid_provider',
    'invalid_run_id',
    'prompt_empty',
    'prompt_not_text',
    'prompt_too_large',
    'invalid_model_for',
    'unknown_lane',
    'unknown_sandbox',
    'sandbox_lane_unsupported',
    'unknown_gate',
    'unknown_commit_policy',
    'unknown_workflow',
    'unknown_prompt_id',
    'unknown_shell',
    'fallback_invalid',
    'feature_key_missing',
    'feature_key_invalid_format',
    'scope_missing',
    'allowed_paths_file_missing',
    'signoff_file_missing',
    'schema_not_found',
    'non_loopback_refused',
    'wave_input_conflict',
    'wave_input_missing',
    'manifest_unreadable',
    'manifest_invalid',
    'base_ref_unknown',
    'prompt_set_invalid',
    'progressive_state_invalid',
    'flag_unsupported',
    'command_removed',
    'invalid_reason_code',
    'output_unwritable',
    'output_exists',
    'base_missing',
    'fleet_url_invalid',
  ],
  // the benchmark's own: collect and summarize failed
  6: ['collect_failed'],
  7: ['summarize_failed'],
  10: ['secret_auth_resolution_failed'],
  11: ['cc_glm_token_file_error'],
  20: ['provider_not_found'],
  21: [
    'profile_not_found',
    'profile_invalid',
    'profile_unreadable',
    'secret_in_prompt',
    'raw_op_forbidden_in_agent_context',
    'beads_cli_missing',
    'provider_binary_missing',
    'model_unavailable',
  ],
  22: [
    'worktree_missing',
    'worktree_not_git',
    'not_a_git_repo',
    'worktree_create_failed',
    'worktree_repo_mismatch',
    'canonical_worktree_forbidden',
    'worktree_outside_policy',
    'canonical_dirty',
    'uncommitted_changes',
  ],
  26: ['provider_concurrency_cap_exceeded'],
  27: ['opencode_attach_missing_url', 'server_unhealthy'],
  28: ['model_override_blocked', 'model_not_allowed'],
};

const rows = Object.entries(DOCUMENTED).flatMap(([exit, reasons]) => reasons.map((r) => [r, Number(exit)] as const));

describe('the exit code of a refusal', () => {
  it.each(rows)('%s exits %s', (reason, exit) => {
    expect(exitCodeFor(new DxError(reason, 'x'))).toBe(exit);
  });

  it('every reason in the catalog has its row above', () => {
    expect(rows.map(([r]) => r).sort()).toEqual(Object.keys(REASONS).sort());
  });

  it.each<[ReasonCode, number]>([
    ['cc_glm_auth_missing', 10],
    ['claude_code_auth_missing', 10],
    ['gemini_auth_missing', 10],
    ['opencode_auth_failed', 10],
    ['gemini_attach_mode_unavailable', 27],
    ['cc-glm_server_mode_unavailable', 27],
    ['opencode_model_unavailable', 21],
    ['opencode_rate_limited', 26],
  ])('the provider-named %s exits %s', (reason, exit) => {
    expect(exitCodeFor(new DxError(reason, 'x'))).toBe(exit);
  });

  // a reason raised as another kind exits as that kind: the flag not given is usage, the named file gone is 1
  it.each<[ReasonCode, ErrorKind, number]>([
    ['prompt_file_missing', 'environment', 1],
    ['worktree_missing', 'input', 2],
    ['worktree_missing', 'policy', 1],
    ['not_a_git_repo', 'policy', 1],
    ['server_start_failed', 'environment', 1],
  ])('%s raised as %s exits %s', (reason, kind, exit) => {
    expect(exitCodeFor(new DxError(reason, 'x', kind))).toBe(exit);
  });
});

describe("check's exit code on the job's state", () => {
  const documented: Record<HealthState, number> = {
    missing: 1,
    launching: 0,
    slow_start: 0,
    waiting_first_output: 0,
    silent_mutation: 0,
    healthy: 0,
    stalled: 2,
    no_op: 23,
    no_op_success: 0,
    exited_ok: 0,
    exited_err: 3,
    governance_failed: 3,
    blocked: 3,
    stopped: 0,
    paused: 0,
  };
  it.each(HEALTH_STATES.map((s) => [s, documented[s]] as const))('%s exits %s', (state, exit) => {
    expect(checkExitCode({ state, reasonCode: 'x' })).toBe(exit);
  });
});

describe("preflight's exit code", () => {
  const finding = (check: string, status: Finding['status'], code: string): Finding => ({
    check,
    status,
    code,
    detail: '',
    next_action: '-',
  });
  it.each<[string, Finding[], number]>([
    ['all ok, or warnings only', [finding('binary', 'ok', 'binary_ok'), finding('probe', 'warn', 'x')], 0],
    ['a failed check', [finding('binary', 'error', 'opencode_binary_missing')], 21],
    ['the model policy refused', [finding('model_policy', 'error', 'model_override_blocked')], 28],
    [
      'the model policy wins over other failures',
      [finding('binary', 'error', 'x'), finding('model_policy', 'error', 'model_override_blocked')],
      28,
    ],
  ])('%s → %s', (_n, findings, exit) => {
    expect(preflightExitCode(findings)).toBe(exit);
  });
});
