import { describe, expect, it } from 'vitest';
import { checkExitCode } from '../../../src/cli/exit.js';
import {
  classifyHealth,
  HEALTH_STATES,
  OUTCOME_STATE_TO_STATE,
  stateOfOutcome,
  type HealthSnapshot,
  type OutcomeState,
} from '../../../src/health/index.js';

describe('health classification: one row per rule', () => {
  const now = 10_000_000;
  const sec = 1000;
  const thresholds = {
    startupGraceSec: 60,
    stallSec: 120,
    noOpWindowSec: 300,
    maxRuntimeSec: 3600,
    noMutationTimeoutSec: 1800,
  };
  type Job = NonNullable<HealthSnapshot['job']>;
  /** a job 10 s old that has produced output a second ago and changed one file */
  const running: Job = {
    startedAt: now - 10 * sec,
    lastOutputAt: now - sec,
    lastHeartbeatAt: now - sec,
    mutations: 1,
    cpuSec: 3,
    lastCpuProgressAt: now - 2 * sec,
    outcome: null,
  };
  const snap = (job: Partial<Job> | null, extra: Partial<HealthSnapshot> = {}): HealthSnapshot => ({
    now,
    job: job === null ? null : { ...running, ...job },
    alive: true,
    pendingOutcome: null,
    thresholds,
    ...extra,
  });
  const silent = { lastOutputAt: null, lastHeartbeatAt: null, mutations: 0 };
  const ok = { state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 } as const;

  it.each<[string, string, string, number, HealthSnapshot]>([
    // [case, state, reason_code, check exit code, snapshot]
    ['no record', 'missing', 'no_meta', 1, snap(null)],
    // finished: the outcome decides
    ['finished ok with edits', 'exited_ok', 'process_exit_with_rc', 0, snap({ outcome: ok }, { alive: false })],
    [
      'finished ok, nothing changed',
      'no_op_success',
      'exit_zero_no_mutations',
      0,
      snap({ mutations: 0, outcome: ok }, { alive: false }),
    ],
    [
      'failed',
      'exited_err',
      'opencode_auth_failed',
      3,
      snap({ outcome: { state: 'failed', reasonCode: 'opencode_auth_failed', exitCode: 1 } }, { alive: false }),
    ],
    [
      'rate limited: its run ended, the job waits out the provider pause (check: still going)',
      'paused',
      'rate_limit_backoff',
      0,
      snap({ outcome: { state: 'killed', reasonCode: 'rate_limit_backoff', exitCode: null } }, { alive: false }),
    ],
    [
      'stopped by the operator',
      'stopped',
      'manual_stop',
      0,
      snap({ outcome: { state: 'killed', reasonCode: 'manual_stop', exitCode: 137 } }, { alive: false }),
    ],
    [
      'a required gate failed after success',
      'governance_failed',
      'path_outside_allowlist',
      3,
      snap(
        { outcome: { state: 'governance_failed', reasonCode: 'path_outside_allowlist', exitCode: 0 } },
        { alive: false },
      ),
    ],
    [
      'blocked by the watchdog',
      'blocked',
      'blocked_no_output_no_progress_after_threshold',
      3,
      snap(
        { outcome: { state: 'blocked', reasonCode: 'blocked_no_output_no_progress_after_threshold', exitCode: null } },
        { alive: false },
      ),
    ],
    [
      'an outcome wins over a lingering process',
      'exited_err',
      'opencode_rate_limited',
      3,
      snap({ outcome: { state: 'failed', reasonCode: 'opencode_rate_limited', exitCode: null } }),
    ],
    // ended but not finalized yet
    ['dead, killed -9 (no rc)', 'exited_err', 'process_exited_without_rc', 3, snap({}, { alive: false })],
    [
      'dead, clean exit awaiting finalize',
      'exited_ok',
      'process_exit_with_rc',
      0,
      snap({}, { alive: false, pendingOutcome: ok }),
    ],
    // timeouts
    ['past max runtime', 'stalled', 'max_runtime_exceeded', 2, snap({ startedAt: now - 3700 * sec })],
    [
      'no file changed for too long',
      'stalled',
      'no_mutation_timeout',
      2,
      snap({ startedAt: now - 1900 * sec, mutations: 0 }),
    ],
    // no-op window
    [
      'no heartbeat, no mutation, no output past the window',
      'no_op',
      'no_heartbeat_no_mutation',
      23,
      snap(
        { ...silent, startedAt: now - 400 * sec, lastCpuProgressAt: null },
        { thresholds: { ...thresholds, stallSec: 600 } },
      ),
    ],
    [
      'same, but still in grace and using CPU',
      'slow_start',
      'startup_scan_in_progress',
      0,
      snap(
        { ...silent, startedAt: now - 400 * sec, lastCpuProgressAt: now - sec },
        { thresholds: { ...thresholds, startupGraceSec: 500, stallSec: 600 } },
      ),
    ],
    // no output yet
    ['files changed, no output', 'silent_mutation', 'worktree_changed_no_output', 0, snap({ ...silent, mutations: 2 })],
    [
      'in grace, not booted yet',
      'launching',
      'startup_grace_no_output',
      0,
      snap({ ...silent, cpuSec: 0.2, lastCpuProgressAt: null }),
    ],
    ['in grace, booted, no answer yet', 'slow_start', 'startup_cpu_progress_no_output', 0, snap({ ...silent })],
    [
      'past grace, before stall, CPU moving',
      'launching',
      'cpu_progress_no_output',
      0,
      snap({ ...silent, startedAt: now - 90 * sec }),
    ],
    [
      'past grace, before stall, CPU idle',
      'launching',
      'no_output_within_grace',
      0,
      snap({ ...silent, startedAt: now - 90 * sec, lastCpuProgressAt: null }),
    ],
    [
      'past stall, CPU moving',
      'waiting_first_output',
      'cpu_progress_no_output_past_threshold',
      0,
      snap({ ...silent, startedAt: now - 200 * sec }),
    ],
    [
      'past stall, CPU idle',
      'stalled',
      'no_output_no_progress_after_threshold',
      2,
      snap({ ...silent, startedAt: now - 200 * sec, lastCpuProgressAt: now - 190 * sec }),
    ],
    // output seen
    ['recent output', 'healthy', 'recent_output_activity', 0, snap({})],
    [
      'quiet output, CPU moving',
      'healthy',
      'cpu_progress',
      0,
      snap({ startedAt: now - 300 * sec, lastOutputAt: now - 200 * sec }),
    ],
    [
      'quiet output, CPU idle',
      'stalled',
      'stale_log_and_no_cpu_progress',
      2,
      snap({ startedAt: now - 300 * sec, lastOutputAt: now - 200 * sec, lastCpuProgressAt: now - 250 * sec }),
    ],
  ])('%s → %s (%s), exit %s', (_name, state, reason, exit, snapshot) => {
    const h = classifyHealth(snapshot);
    expect(h).toEqual({ state, reasonCode: reason });
    expect(checkExitCode(h)).toBe(exit);
  });

  it('every state has a row above', () => {
    // guards the table: a new state must come with its rule and a test
    expect(HEALTH_STATES).toHaveLength(15);
  });
});

describe("one vocabulary: a recorded outcome (the older tool's names) is shown as its state", () => {
  const t = { startupGraceSec: 60, stallSec: 120, noOpWindowSec: 300, maxRuntimeSec: 3600, noMutationTimeoutSec: 1800 };
  const finishedJob = {
    startedAt: 0,
    lastOutputAt: 1,
    lastHeartbeatAt: 1,
    mutations: 0,
    cpuSec: 1,
    lastCpuProgressAt: 1,
    outcome: null,
  };
  const finishedSnap: HealthSnapshot = { now: 10, job: null, alive: false, pendingOutcome: null, thresholds: t };
  it.each<[OutcomeState, number, string]>([
    ['success', 2, 'exited_ok'],
    ['success', 0, 'no_op_success'],
    ['failed', 0, 'exited_err'],
    ['failed', 3, 'exited_err'],
    ['killed', 1, 'stopped'],
    ['blocked', 0, 'blocked'],
    ['governance_failed', 4, 'governance_failed'],
  ])('%s with %i mutations → %s', (outcome, mutations, state) => {
    expect(stateOfOutcome(outcome, mutations)).toBe(state);
    // and classification of a finished job says the same
    const job = { ...finishedJob, mutations, outcome: { state: outcome, reasonCode: 'r', exitCode: 0 } };
    expect(classifyHealth({ ...finishedSnap, job }).state).toBe(state);
  });

  it('every outcome maps to a state every command knows', () => {
    for (const s of Object.values(OUTCOME_STATE_TO_STATE)) expect(HEALTH_STATES).toContain(s);
  });
});
