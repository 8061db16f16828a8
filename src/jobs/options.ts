import { DxError } from '../core/errors.js';
import { envNumber, LIMITS, parseNumber, type Bounds } from '../core/input.js';
import type { GateOptions } from '../contract/index.js';
import { LANES, type Lane, type SandboxMode } from '../contract/names.js';
import type { DeliverMode, DeliveryPolicy, MergeStrategy } from '../contract/delivery.js';
import { thresholdsSec } from '../health/index.js';
import { getProvider } from '../providers/index.js';
import { fallbackChain } from '../providers/policy.js';
import { decideProviderModel } from '../providers/verdict.js';
import type { Profile } from '../profiles/index.js';
import type { FleetWorkerRef, JobSettings } from '../store/index.js';

/** What a job is started with: flags (or a wave item's, a benchmark attempt's), merged with a profile. */
export interface StartOptions extends GateOptions {
  beads?: string;
  /** default: the profile's provider, else opencode */
  provider?: string;
  /** a profile name (or path to one): flags > profile > environment > defaults */
  profile?: string;
  /** where the job goes when its provider fails start's fail-fast checks: auto (the chain), none, or a provider */
  fallback?: string;
  /** set by a profile only (no flags): the start-up grace and no-op window, and the provider cap */
  startupGraceSec?: number;
  noOpWindowSec?: number;
  maxParallel?: number;
  /** a profile's strict model list */
  allowedModels?: string[];
  /** a file, or `-`: stdin (the caller reads it into `prompt`) */
  promptFile?: string;
  /** the task itself (--prompt, or stdin), instead of a prompt file */
  prompt?: string;
  worktree?: string;
  /** the worktree is <worktreeRoot>/<bead>: made from `repo` at `base` (default HEAD) when missing */
  worktreeRoot?: string;
  /** where worktreeRoot's worktree is made from (default: the cwd's repository); with `worktree`, its repository */
  repo?: string;
  model?: string;
  stallMinutes?: number;
  maxRuntimeMinutes?: number;
  noMutationTimeoutMinutes?: number;
  /** refuse to dispatch unless the worktree HEAD contains this commit */
  requiredBaseline?: string;
  /** headless (default), attach or server */
  lane?: string;
  /** let the provider model variable (OPENCODE_MODEL) override the canonical model */
  allowModelOverride?: boolean;
  /** relaunches of a rate-limited job, each after its provider's pause (--rate-limit-retries) */
  rateLimitRetries?: number;
  /** wait up to this long for a slot under the provider's concurrency cap */
  waitSec?: number;
  /** the filesystem sandbox: auto (default: bwrap where it works), bwrap or off */
  sandbox?: string;
  /** what becomes of the agent's changes: auto (commit them, the default), require (the agent commits), off */
  commit?: string;
  /** run in the worktree after the commit (`sh -c`); failing fails the job (verify_failed) */
  verifyCmd?: string;
  /** how long the verify command may run (default 600 s) */
  verifyTimeoutSec?: number;
  /** the server for the attach/server lanes (default: the managed `dx-runner serve`) */
  attachUrl?: string;
  /** how the work is delivered once the job succeeded: none (default), push, merge */
  deliver?: DeliverMode;
  /** push: the remote (default origin) */
  remote?: string;
  /** merge: rebase (default) or merge onto the base */
  mergeStrategy?: MergeStrategy;
  /** the job's branch is <branchPrefix>/<bead id> (default dx) */
  branchPrefix?: string;
  /** the binary the command line names for a provider's CLI (--opencode-bin …); adapters fall back to their own */
  binaryFor?: (provider: string) => string | undefined;
  /** a fleet job (src/fleet): the worker it runs for, kept in its settings */
  fleetWorker?: FleetWorkerRef;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** How often a rate-limited job is relaunched (after its provider's pause) before it ends rate limited. */
export const DEFAULT_RATE_LIMIT_RETRIES = 3;

/** A flag's (or a profile's) number when given, checked against its range; else `fallback`. */
const given = (flag: string, v: number | undefined, b: Bounds, fallback: number) =>
  v === undefined ? fallback : parseNumber(flag, v, b);

/** The provider's cap: DX_RUNNER_MAX_PARALLEL_<PROVIDER>, else DX_RUNNER_MAX_PARALLEL_DEFAULT, else its own. */
export function providerCap(provider: string, env: NodeJS.ProcessEnv): number {
  const key = `DX_RUNNER_MAX_PARALLEL_${provider.toUpperCase().replace(/-/g, '_')}`;
  const fallback = envNumber(
    env,
    'DX_RUNNER_MAX_PARALLEL_DEFAULT',
    LIMITS.cap,
    getProvider(provider).defaultMaxParallel,
  );
  return envNumber(env, key, LIMITS.cap, fallback);
}

/**
 * Thresholds of a new job: flags (or the profile, merged in first) > env > defaults. The command line gives the
 * stall, run-time and no-mutation limits in minutes; they are kept in seconds.
 */
export function effectiveSettings(
  opts: Pick<
    StartOptions,
    | 'stallMinutes'
    | 'maxRuntimeMinutes'
    | 'noMutationTimeoutMinutes'
    | 'startupGraceSec'
    | 'noOpWindowSec'
    | 'maxParallel'
    | 'rateLimitRetries'
    | 'env'
  >,
  provider = 'opencode',
): JobSettings {
  const env = opts.env;
  const { minutes, seconds } = LIMITS;
  const sec = (flag: string, v: number | undefined, variable: string, fallback: number) =>
    given(flag, v, seconds, envNumber(env, variable, seconds, fallback));
  const min = (flag: string, v: number | undefined, variable: string, fallback: number) =>
    given(flag, v, minutes, envNumber(env, variable, minutes, fallback)) * 60;
  return {
    startupGraceSec: sec('startup_grace_sec', opts.startupGraceSec, 'DX_RUNNER_STARTUP_GRACE_SEC', 300),
    stallSec: min('--stall-minutes', opts.stallMinutes, 'DX_RUNNER_STALL_MINUTES', 20),
    noOpWindowSec: sec('no_op_window_sec', opts.noOpWindowSec, 'DX_RUNNER_NO_OP_WINDOW_SEC', 300),
    maxRuntimeSec: min('--max-runtime', opts.maxRuntimeMinutes, 'DX_RUNNER_MAX_RUNTIME_MINUTES', 120),
    noMutationTimeoutSec: min(
      '--no-mutation-timeout',
      opts.noMutationTimeoutMinutes,
      'DX_RUNNER_NO_MUTATION_TIMEOUT_MINUTES',
      30,
    ),
    providerRetryLimit: envNumber(env, 'DX_RUNNER_PROVIDER_RETRY_LIMIT', { integer: true, min: 1, max: 100 }, 3),
    rateLimitRetries: given(
      '--rate-limit-retries',
      opts.rateLimitRetries,
      LIMITS.retries,
      envNumber(env, 'DX_RUNNER_RATE_LIMIT_RETRIES', LIMITS.retries, DEFAULT_RATE_LIMIT_RETRIES),
    ),
    maxParallel: given('max_parallel', opts.maxParallel, LIMITS.cap, providerCap(provider, env)),
  };
}

/** Pure: how a job's work is delivered, kept in its settings; undefined when it stays on its branch. */
export function deliveryPolicy(
  opts: Pick<StartOptions, 'deliver' | 'remote' | 'mergeStrategy' | 'base'>,
): DeliveryPolicy | undefined {
  if (!opts.deliver || opts.deliver === 'none') return undefined;
  return {
    mode: opts.deliver,
    remote: opts.remote ?? 'origin',
    strategy: opts.mergeStrategy ?? 'rebase',
    ...(opts.base ? { base: opts.base } : {}),
  };
}

/**
 * Pure: the lane OpenCode's own variable asks for when no flag or profile names one (OPENCODE_EXECUTION_MODE:
 * run or headless, attach, server; OPENCODE_ATTACH_URL names the server).
 */
export function envLane(env: NodeJS.ProcessEnv): Lane | undefined {
  const mode = env.OPENCODE_EXECUTION_MODE?.trim();
  if (!mode) return undefined;
  if (mode === 'run') return 'headless';
  if ((LANES as readonly string[]).includes(mode)) return mode as Lane;
  throw new DxError(
    'unknown_lane',
    `OPENCODE_EXECUTION_MODE=${mode} is not a lane; set it to run (headless), attach or server, or unset it`,
  );
}

/** Pure: the providers to try after `provider`, from --fallback (auto | none | a provider) and the profile. */
export function fallbackCandidates(provider: string, flag: string | undefined, profile: Profile | undefined): string[] {
  const fromProfile =
    profile?.provider === provider && profile.fallback_provider && profile.fallback_provider !== 'none'
      ? [profile.fallback_provider]
      : [];
  const explicitNone = flag === 'none' || (flag === undefined && profile?.fallback_provider === 'none');
  if (explicitNone) return [];
  if (flag === undefined) return fromProfile;
  if (flag === 'auto') return fromProfile.length ? fromProfile : fallbackChain(provider);
  if (flag === provider)
    throw new DxError(
      'fallback_invalid',
      `--fallback ${flag} is the job's own provider; use auto, none or another provider`,
    );
  return [flag];
}

/** Pure: flags > profile (the profile's model rules apply only when the job runs the profile's provider). */
export function withProfile(flags: StartOptions, profile: Profile | undefined): StartOptions {
  if (!profile) return flags;
  const provider = flags.provider ?? profile.provider;
  const own = provider === profile.provider;
  const t = profile.timeouts ?? {};
  const g = profile.gates;
  return {
    ...flags,
    provider,
    model: flags.model ?? (own ? profile.model : undefined),
    allowedModels: own ? profile.allowed_models : undefined,
    allowModelOverride: flags.allowModelOverride || (own && profile.allow_model_override) || undefined,
    lane: flags.lane ?? profile.lane,
    sandbox: flags.sandbox ?? profile.sandbox,
    maxParallel: own ? profile.max_parallel : undefined,
    rateLimitRetries: flags.rateLimitRetries ?? profile.rate_limit_retries,
    stallMinutes: flags.stallMinutes ?? t.stall_minutes,
    maxRuntimeMinutes: flags.maxRuntimeMinutes ?? t.max_runtime_minutes,
    noMutationTimeoutMinutes: flags.noMutationTimeoutMinutes ?? t.no_mutation_timeout_minutes,
    startupGraceSec: t.startup_grace_sec,
    noOpWindowSec: t.no_op_window_sec,
    requireGates: flags.requireGates?.length ? flags.requireGates : g?.required,
    allowedPathsFile: flags.allowedPathsFile ?? g?.allowed_paths_file,
    mutationBudget: flags.mutationBudget ?? g?.mutation_budget,
    signoffFile: flags.signoffFile ?? g?.signoff_file,
    base: flags.base ?? g?.base,
    commit: flags.commit ?? profile.commit,
    verifyCmd: flags.verifyCmd ?? profile.verify_cmd,
    verifyTimeoutSec: flags.verifyTimeoutSec ?? profile.verify_timeout_sec,
    deliver: flags.deliver ?? profile.deliver,
  };
}

/** The settings a job started with this profile (and no flags) gets, through start's own merge and model rules. */
export function effectiveProfile(profile: Profile, env: NodeJS.ProcessEnv) {
  const opts = withProfile({ env, cwd: process.cwd() }, profile);
  const adapter = getProvider(opts.provider ?? 'opencode');
  const decision = decideProviderModel(adapter, opts, env);
  const s = effectiveSettings(opts, adapter.name);
  return {
    provider: adapter.name,
    model: decision.ok ? decision.model : `refused: ${decision.detail}`,
    allowed_models: opts.allowedModels ?? null,
    lane: opts.lane ?? 'headless',
    sandbox: (opts.sandbox ?? 'auto') as SandboxMode,
    fallback: fallbackCandidates(adapter.name, undefined, profile),
    strict: profile.strict ?? false,
    max_parallel: s.maxParallel,
    thresholds_sec: thresholdsSec(s),
    gates: opts.requireGates ?? [],
  };
}
