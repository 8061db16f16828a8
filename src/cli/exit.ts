import { BENCH_EXIT } from '../bench/exit.js';
import type { DxError } from '../core/errors.js';
import type { ErrorKind, ReasonCode } from '../core/reasons.js';
import type { Health, HealthState } from '../health/index.js';
import type { Finding } from '../providers/preflight.js';

/** The exit codes of the commands (the README lists them all); the benchmark has its own (BENCH_EXIT). */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  credentialsMissing: 10,
  credentialsFileError: 11,
  providerNotFound: 20,
  preflightFailed: 21,
  worktreeRefused: 22,
  concurrencyCap: 26,
  /** the requested lane (attach/server) cannot run: no server, unhealthy, or unsupported */
  modeUnavailable: 27,
  /** a model from the environment overrides the canonical one without permission, or the profile forbids it */
  modelOverrideBlocked: 28,
} as const;

/** Each kind's exit code. */
const KIND_EXIT: Record<ErrorKind, number> = {
  input: EXIT.usage,
  state: EXIT.error,
  policy: EXIT.error,
  worktree: EXIT.worktreeRefused,
  environment: EXIT.error,
  credentials: EXIT.credentialsMissing,
  provider: EXIT.preflightFailed,
  lane: EXIT.modeUnavailable,
  capacity: EXIT.concurrencyCap,
  internal: EXIT.error,
};

/** The reasons that exit otherwise than their kind. */
const REASON_EXIT: { [K in ErrorKind]?: Partial<Record<ReasonCode, number>> } = {
  input: {
    provider_not_found: EXIT.providerNotFound,
    // a profile is checked like the provider it names
    profile_not_found: EXIT.preflightFailed,
    profile_invalid: EXIT.preflightFailed,
    profile_unreadable: EXIT.preflightFailed,
  },
  policy: {
    model_override_blocked: EXIT.modelOverrideBlocked,
    model_not_allowed: EXIT.modelOverrideBlocked,
    secret_in_prompt: EXIT.preflightFailed,
    raw_op_forbidden_in_agent_context: EXIT.preflightFailed,
  },
  environment: {
    beads_cli_missing: EXIT.preflightFailed,
    collect_failed: BENCH_EXIT.collect,
    summarize_failed: BENCH_EXIT.summarize,
  },
  credentials: { cc_glm_token_file_error: EXIT.credentialsFileError },
};

/** The exit code of a command that ends on this refusal. */
export const exitCodeFor = (e: Pick<DxError, 'reasonCode' | 'kind'>): number =>
  REASON_EXIT[e.kind]?.[e.reasonCode] ?? KIND_EXIT[e.kind];

/** `check` exits on the job's state: running or finished ok (any state not listed) 0. */
const CHECK_EXIT: Partial<Record<HealthState, number>> = {
  stalled: 2,
  exited_err: 3,
  governance_failed: 3,
  blocked: 3,
  no_op: 23,
  missing: EXIT.error,
};

export const checkExitCode = (h: Health): number => CHECK_EXIT[h.state] ?? EXIT.ok;

/** `preflight`: 28 when the model policy refused, 21 for any other failed check, else 0. */
export const preflightExitCode = (findings: Finding[]): number =>
  findings.some((f) => f.check === 'model_policy' && f.status === 'error')
    ? EXIT.modelOverrideBlocked
    : findings.some((f) => f.status === 'error')
      ? EXIT.preflightFailed
      : EXIT.ok;
