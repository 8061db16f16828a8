import { DxError } from '../core/errors.js';
import type { GateOptions } from '../contract/index.js';
import { LANES, type Lane } from '../contract/names.js';
import { thresholdsSec } from '../health/index.js';
import { getProvider } from '../providers/index.js';
import { fallbackChain } from '../providers/policy.js';
import { decideProviderModel } from '../providers/verdict.js';
import type { Profile } from '../profiles/index.js';
import type { JobSettings } from '../store/index.js';

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
  /** the server for the attach/server lanes (default: the managed `dx-runner serve`) */
  attachUrl?: string;
  /** the binary the command line names for a provider's CLI (--opencode-bin …); adapters fall back to their own */
  binaryFor?: (provider: string) => string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** How often a rate-limited job is relaunched (after its provider's pause) before it ends rate limited. */
export const DEFAULT_RATE_LIMIT_RETRIES = 3;

/** A positive number from a flag or an environment variable, else the default. */
const positive = (v: number | string | undefined, fallback: number) => {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
};

function assertPositive(flag: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
    throw new DxError('invalid_threshold', `${flag} must be a positive number (fractions allowed, e.g. 0.5)`);
  }
}

export function providerCap(provider: string, env: NodeJS.ProcessEnv): number {
  const key = `DX_RUNNER_MAX_PARALLEL_${provider.toUpperCase().replace(/-/g, '_')}`;
  return positive(env[key], positive(env.DX_RUNNER_MAX_PARALLEL_DEFAULT, getProvider(provider).defaultMaxParallel));
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
  assertPositive('--stall-minutes', opts.stallMinutes);
  assertPositive('--max-runtime', opts.maxRuntimeMinutes);
  assertPositive('--no-mutation-timeout', opts.noMutationTimeoutMinutes);
  const env = opts.env;
  const rateLimitRetries = opts.rateLimitRetries ?? env.DX_RUNNER_RATE_LIMIT_RETRIES ?? DEFAULT_RATE_LIMIT_RETRIES;
  if (!/^\d+$/.test(String(rateLimitRetries)))
    throw new DxError(
      'invalid_threshold',
      `--rate-limit-retries (or DX_RUNNER_RATE_LIMIT_RETRIES) must be a whole number 0 or more, ` +
        `got '${rateLimitRetries}'`,
    );
  return {
    startupGraceSec: positive(opts.startupGraceSec, positive(env.DX_RUNNER_STARTUP_GRACE_SEC, 300)),
    stallSec: positive(opts.stallMinutes, positive(env.DX_RUNNER_STALL_MINUTES, 20)) * 60,
    noOpWindowSec: positive(opts.noOpWindowSec, positive(env.DX_RUNNER_NO_OP_WINDOW_SEC, 300)),
    maxRuntimeSec: positive(opts.maxRuntimeMinutes, positive(env.DX_RUNNER_MAX_RUNTIME_MINUTES, 120)) * 60,
    noMutationTimeoutSec:
      positive(opts.noMutationTimeoutMinutes, positive(env.DX_RUNNER_NO_MUTATION_TIMEOUT_MINUTES, 30)) * 60,
    providerRetryLimit: positive(env.DX_RUNNER_PROVIDER_RETRY_LIMIT, 3),
    rateLimitRetries: Number(rateLimitRetries),
    maxParallel: positive(opts.maxParallel, providerCap(provider, env)),
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
    fallback: fallbackCandidates(adapter.name, undefined, profile),
    strict: profile.strict ?? false,
    max_parallel: s.maxParallel,
    thresholds_sec: thresholdsSec(s),
    gates: opts.requireGates ?? [],
  };
}
