import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSelfDetached } from '../core/detached.js';
import { DxError, hasKind } from '../core/errors.js';
import { asReasonCode, isProviderFault } from '../core/reasons.js';
import {
  LANES,
  POST_JOB_GATES,
  type GateOptions,
  type Lane,
  type PostJobGate,
  type PostJobGates,
} from '../contract/index.js';
import { emptySummary } from '../health/index.js';
import { takeBaseline, workTreeTop } from '../governance/git.js';
import { baselineGate, checkWorktreePolicy, FEATURE_KEY, guardPrompt, readAllowedPaths } from '../governance/index.js';
import { which } from '../providers/binary.js';
import { getProvider } from '../providers/index.js';
import type { LaunchSpec, ProviderAdapter } from '../providers/types.js';
import { fallbackAfter, fallbackChain, policyModel } from '../providers/policy.js';
import { loadProfile, type Profile } from '../profiles/index.js';
import { probeHealth, readPassword, serverUrl } from '../server/index.js';
import { finalizeJob } from './finalize.js';
import { filesIn, jobDir } from './paths.js';
import { isAlive, processStartTime } from './process.js';
import { Store, type JobRecord, type JobSettings, type NewJob } from '../store/index.js';
import type { JobEvent } from '../contract/events.js';
import { readPromptFile, validateBeadsId } from './validate.js';

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
  promptFile?: string;
  worktree?: string;
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
  /** wait up to this long for a slot under the provider's concurrency cap */
  waitSec?: number;
  /** the server for the attach/server lanes (default: the managed `dx-runner serve`) */
  attachUrl?: string;
  /** the binary the command line names for a provider's CLI (--opencode-bin …); adapters fall back to their own */
  binaryFor?: (provider: string) => string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * The agent runs under `sh`, which records its exit code and time in the rc file when it ends,
 * so the outcome survives even if no dx-runner process is alive at that moment.
 */
const WRAPPER =
  'rc_file=$1; shift; "$@"; rc=$?; printf "%s %s\\n" "$rc" "$(date +%s)" > "$rc_file.tmp" && mv "$rc_file.tmp" "$rc_file"; exit $rc';

/** a job with no pid yet is another `start` mid-launch; after this long it is a leftover */
const LAUNCH_WINDOW_MS = 60_000;

/** a live run, or one another `start` is launching right now */
export const occupies = (j: JobRecord) =>
  (j.pid === null && Date.now() - j.startedAt < LAUNCH_WINDOW_MS) || isAlive(j.pid, j.pidStart);

export function providerCap(provider: string, env: NodeJS.ProcessEnv): number {
  const key = `DX_RUNNER_MAX_PARALLEL_${provider.toUpperCase().replace(/-/g, '_')}`;
  return positive(env[key], positive(env.DX_RUNNER_MAX_PARALLEL_DEFAULT, getProvider(provider).defaultMaxParallel));
}

function resolveWorktree(explicit: string | undefined, cwd: string): string {
  if (explicit) {
    const abs = path.resolve(cwd, explicit);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
      throw new DxError(
        'worktree_missing',
        `worktree ${abs} does not exist; create it (git worktree add ${abs}) or pass another --worktree`,
      );
    }
    const real = fs.realpathSync(abs);
    if (!workTreeTop(real)) {
      throw new DxError(
        'worktree_not_git',
        `worktree ${real} is not a git work tree; pass a git worktree with --worktree (git worktree add <dir>)`,
      );
    }
    return real;
  }
  const top = workTreeTop(cwd);
  if (!top) {
    throw new DxError(
      'worktree_missing',
      `no --worktree given and ${cwd} is not inside a git work tree; pass --worktree <dir>`,
    );
  }
  return fs.realpathSync(cwd);
}

function assertExecutable(command: string, env: NodeJS.ProcessEnv, adapter: ProviderAdapter): void {
  if (which(command, env)) return;
  throw new DxError(
    'provider_binary_missing',
    `${adapter.name} binary '${command}' not found or not executable; ${adapter.installHint}`,
  );
}

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
    | 'env'
  >,
  provider = 'opencode',
): JobSettings {
  assertPositive('--stall-minutes', opts.stallMinutes);
  assertPositive('--max-runtime', opts.maxRuntimeMinutes);
  assertPositive('--no-mutation-timeout', opts.noMutationTimeoutMinutes);
  const env = opts.env;
  return {
    startupGraceSec: positive(opts.startupGraceSec, positive(env.DX_RUNNER_STARTUP_GRACE_SEC, 300)),
    stallSec: positive(opts.stallMinutes, positive(env.DX_RUNNER_STALL_MINUTES, 20)) * 60,
    noOpWindowSec: positive(opts.noOpWindowSec, positive(env.DX_RUNNER_NO_OP_WINDOW_SEC, 300)),
    maxRuntimeSec: positive(opts.maxRuntimeMinutes, positive(env.DX_RUNNER_MAX_RUNTIME_MINUTES, 120)) * 60,
    noMutationTimeoutSec:
      positive(opts.noMutationTimeoutMinutes, positive(env.DX_RUNNER_NO_MUTATION_TIMEOUT_MINUTES, 30)) * 60,
    providerRetryLimit: positive(env.DX_RUNNER_PROVIDER_RETRY_LIMIT, 3),
    maxParallel: positive(opts.maxParallel, providerCap(provider, env)),
  };
}

function runInstance(provider: string): string {
  const ts = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${ts}-${provider}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}

const MODELS_TTL_MS = 10 * 60_000;

/**
 * Fail fast when the provider does not offer the model (its list is cached for 10 minutes per binary
 * and config, so only the first start pays for the listing). A list that cannot be had does not block.
 */
async function assertModelOffered(
  home: string,
  adapter: ProviderAdapter,
  model: string,
  opts: StartOptions,
): Promise<void> {
  if (!adapter.listModels) return;
  const binary = adapter.resolveBinary(opts.binaryFor?.(adapter.name), opts.env);
  const config = opts.env.OPENCODE_CONFIG ?? '';
  const key = JSON.stringify([binary, config, config && fs.existsSync(config) ? fs.statSync(config).mtimeMs : 0]);
  const file = path.join(home, 'cache', `${adapter.name}-models.json`);
  let cached: { key: string; at: number; models: string[] | null } | null = null;
  try {
    cached = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    cached = null;
  }
  if (!cached || cached.key !== key || Date.now() - cached.at > MODELS_TTL_MS) {
    cached = { key, at: Date.now(), models: await adapter.listModels(binary, opts.env) };
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(cached));
    fs.renameSync(`${file}.tmp`, file);
  }
  if (cached.models && !cached.models.includes(model)) {
    const fallback = fallbackAfter(adapter.name);
    throw new DxError(
      'model_unavailable',
      `${adapter.name} does not offer ${model}${fallback ? `; route the job to ${fallback}: dx-runner start --provider ${fallback} …` : ''} (or check dx-runner preflight --provider ${adapter.name})`,
    );
  }
}

/** The shared server a job attaches to: --attach URL (credentials from the environment), else the managed one. */
async function sharedServer(home: string, opts: StartOptions): Promise<{ url: string; password?: string }> {
  let target: { url: string; password?: string };
  if (opts.attachUrl) {
    target = { url: opts.attachUrl.replace(/\/+$/, ''), password: opts.env.OPENCODE_SERVER_PASSWORD };
  } else {
    const store = new Store(home);
    const managed = store.servers.active();
    store.close();
    if (!managed) {
      throw new DxError(
        'opencode_attach_missing_url',
        'no shared opencode server: start one with dx-runner serve start, or pass --attach <url>',
      );
    }
    target = { url: serverUrl(managed), password: readPassword(home) };
  }
  if (!(await probeHealth(target.url, target.password ?? ''))?.healthy) {
    throw new DxError(
      'server_unhealthy',
      `the opencode server at ${target.url} is not answering healthy; check dx-runner serve status`,
    );
  }
  return target;
}

/** Validates everything first (bad input leaves no record), then records and launches detached. */
export async function startJob(store: Store, home: string, flags: StartOptions): Promise<JobRecord> {
  const loaded = flags.profile ? loadProfile(flags.profile, flags.env) : undefined;
  const profile = loaded?.profile;
  const opts = withProfile(flags, profile);
  const beads = validateBeadsId(opts.beads);
  const prompt = readPromptFile(opts.promptFile);
  guardPrompt(prompt); // before the provider: a leaked secret is refused whatever else is wrong
  const primary = getProvider(opts.provider ?? 'opencode');
  const fallbacks = fallbackCandidates(primary.name, opts.fallback, profile).map(getProvider);
  const worktree = resolveWorktree(opts.worktree, opts.cwd);
  const policy = checkWorktreePolicy(worktree, opts.env);
  if (!policy.passed) throw new DxError(asReasonCode(policy.reason_code), policy.details);
  const gates = postJobGateSettings(opts, beads, worktree);
  if (opts.requiredBaseline !== undefined) {
    const baselineVerdict = baselineGate(worktree, opts.requiredBaseline);
    if (!baselineVerdict.passed)
      throw new DxError(
        asReasonCode(baselineVerdict.reason_code),
        `baseline gate failed: ${baselineVerdict.details}`,
        'policy',
      );
  }
  const lane = (opts.lane ?? 'headless') as Lane;
  if (!LANES.includes(lane))
    throw new DxError('unknown_lane', `unknown lane '${opts.lane}'; use one of: ${LANES.join(', ')}`);

  const { chosen, tried } = await chooseProvider(home, [primary, ...fallbacks], opts, { beads, worktree, lane });
  const { adapter, model, spec } = chosen;
  const baseline = takeBaseline(worktree);
  const firstFailure = tried.find((t) => !t.passed);
  const launch: Launch = {
    run: {
      beads,
      provider: adapter.name,
      retries: 0,
      worktree,
      promptFile: path.resolve(opts.cwd, opts.promptFile as string),
      model,
      executionMode: chosen.lane,
      fallbackReason: firstFailure ? `${firstFailure.provider}:${firstFailure.reason_code}` : 'none',
      cwd: opts.cwd,
      startHead: baseline.head,
      baseline: JSON.stringify(baseline.dirty),
      settings: {
        ...effectiveSettings(chosen.opts, adapter.name),
        ...gates,
        ...(loaded ? { profile: loaded.name } : {}),
      },
    },
    prompt,
    spec,
    tried,
  };
  // --wait: queue for a slot under the provider's cap instead of being refused
  const deadline = Date.now() + (opts.waitSec ?? 0) * 1000;
  for (;;) {
    try {
      return launchRun(store, home, launch);
    } catch (e) {
      if (!hasKind(e, 'capacity') || Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** One provider's fail-fast checks at start, as recorded in the job's events. */
export type ProviderTry = Omit<Extract<JobEvent, { kind: 'preflight' }>, 'kind'>;

/**
 * Refusals another provider may cure: the provider's own fault (credentials, binary, model), or a lane it lacks
 * (a fallback without the asked lane runs headless).
 */
export const fallsBack = (e: unknown): e is DxError =>
  e instanceof DxError && (isProviderFault(e.kind) || e.kind === 'lane');

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

/**
 * Start's fail-fast checks, provider by provider: the first that passes takes the job. A fallback runs its own
 * canonical model, lane (headless if it has not the asked one) and cap: the job's model rules were the first's.
 */
async function chooseProvider(
  home: string,
  candidates: ProviderAdapter[],
  opts: StartOptions,
  job: { beads: string; worktree: string; lane: Lane },
): Promise<{ chosen: Prepared; tried: ProviderTry[] }> {
  const tried: ProviderTry[] = [];
  for (const [i, adapter] of candidates.entries()) {
    const own = i === 0 ? opts : { ...opts, model: undefined, allowedModels: undefined, maxParallel: undefined };
    try {
      const chosen = await prepareProvider(home, adapter, own, {
        ...job,
        lane: i === 0 || adapter.lanes.includes(job.lane) ? job.lane : 'headless',
      });
      tried.push({
        provider: adapter.name,
        model: chosen.model,
        passed: true,
        reason_code: 'preflight_ok',
        message: '',
      });
      return { chosen, tried };
    } catch (e) {
      if (!fallsBack(e)) throw e;
      tried.push({ provider: adapter.name, model: null, passed: false, reason_code: e.reasonCode, message: e.message });
      if (i < candidates.length - 1) continue;
      if (tried.length > 1)
        throw new DxError(
          e.reasonCode,
          `no provider could take the job: ${tried.map((t) => `${t.provider}: ${t.reason_code}`).join('; ')}. Last: ${e.message}`,
          e.kind,
        );
      throw e;
    }
  }
  throw new Error('no provider to try'); // unreachable: the primary is always a candidate
}

interface Prepared {
  adapter: ProviderAdapter;
  /** the options this provider was checked with (a fallback's differ from the first's) */
  opts: StartOptions;
  model: string;
  lane: Lane;
  spec: LaunchSpec;
}

/** One provider's part of start: model policy, credentials, lane, server, launch, binary, model offered. Throws its refusal. */
async function prepareProvider(
  home: string,
  adapter: ProviderAdapter,
  opts: StartOptions,
  job: { beads: string; worktree: string; lane: Lane },
): Promise<Prepared> {
  const decision = policyModel(adapter, opts.model, opts.allowModelOverride, opts.env);
  if (!decision.ok) throw new DxError(decision.reasonCode, decision.detail);
  const model = decision.model;
  if (opts.allowedModels && !opts.allowedModels.includes(model)) {
    throw new DxError(
      'model_not_allowed',
      `the profile allows only ${opts.allowedModels.join(', ')}, not ${model}; drop --model or use another profile`,
    );
  }
  const auth = adapter.checkAuth?.(opts.env);
  if (auth && !auth.ok) throw new DxError(auth.reasonCode, auth.detail);
  const { lane } = job;
  if (!adapter.lanes.includes(lane)) {
    throw new DxError(
      `${adapter.name}_${lane}_mode_unavailable`,
      `${adapter.name} has no ${lane} lane; use --lane headless`,
    );
  }
  const server = lane === 'headless' ? undefined : await sharedServer(home, opts);
  const spec = adapter.buildLaunch({
    lane,
    server,
    model,
    worktree: job.worktree,
    beads: job.beads,
    env: opts.env,
    binary: opts.binaryFor?.(adapter.name),
  });
  assertExecutable(spec.command, spec.env, adapter);
  await assertModelOffered(home, adapter, model, opts);
  return { adapter, opts, model, lane, spec };
}

/** What a run is launched with; kept in the run folder (0600) so a restart relaunches it exactly. */
export interface Launch {
  run: Omit<NewJob, 'runInstance' | 'dir' | 'startedAt' | 'host'>;
  prompt: string;
  spec: Pick<LaunchSpec, 'command' | 'args' | 'env'>;
  /** the providers start tried for this job (recorded as `preflight` events of the new run) */
  tried?: ProviderTry[];
}

const LAUNCH_FILE = 'launch.json';

export function readLaunch(job: JobRecord): Launch {
  const saved = JSON.parse(fs.readFileSync(path.join(job.dir, LAUNCH_FILE), 'utf8')) as Pick<Launch, 'spec'>;
  const {
    beads,
    provider,
    retries,
    worktree,
    promptFile,
    model,
    executionMode,
    fallbackReason,
    cwd,
    startHead,
    baseline,
    settings,
  } = job;
  return {
    run: {
      beads,
      provider,
      retries,
      worktree,
      promptFile,
      model,
      executionMode,
      fallbackReason,
      cwd,
      startHead,
      baseline,
      settings,
    },
    prompt: fs.readFileSync(path.join(job.dir, 'prompt.txt'), 'utf8'),
    spec: saved.spec,
  };
}

/** Validates the required post-job gates and their inputs now, so a job never ends on a gate it cannot run. */
function postJobGateSettings(opts: StartOptions, beads: string, worktree: string): { gates?: PostJobGates } {
  const required = [
    ...new Set(
      (opts.requireGates ?? [])
        .flatMap((g) => g.split(','))
        .map((g) => g.trim())
        .filter(Boolean),
    ),
  ];
  if (!required.length) return {};
  for (const g of required) {
    if (!POST_JOB_GATES.includes(g as PostJobGate))
      throw new DxError('unknown_gate', `unknown gate '${g}'; use one of: ${POST_JOB_GATES.join(', ')}`);
  }
  const gates: PostJobGates = { required: required as PostJobGate[], base: opts.base, branch: opts.branch };
  if (required.includes('feature-key')) {
    gates.featureKey = opts.featureKey ?? beads;
    if (!FEATURE_KEY.test(gates.featureKey))
      throw new DxError(
        'feature_key_invalid_format',
        `feature key '${gates.featureKey}' is not like bd-xga8.14; pass --feature-key`,
      );
  }
  if (required.includes('scope')) {
    if (!opts.allowedPathsFile && opts.mutationBudget === undefined)
      throw new DxError('scope_missing', 'the scope gate needs --allowed-paths-file and/or --mutation-budget');
    if (opts.allowedPathsFile) {
      const allowed = readAllowedPaths(path.resolve(opts.cwd, opts.allowedPathsFile));
      if (!allowed)
        throw new DxError(
          'allowed_paths_file_missing',
          `allowed-paths file ${opts.allowedPathsFile} cannot be read; pass an existing file`,
        );
      gates.allowedPaths = allowed;
    }
    gates.mutationBudget = opts.mutationBudget;
  }
  if (required.includes('evidence')) {
    if (!opts.signoffFile)
      throw new DxError(
        'signoff_file_missing',
        'the evidence gate needs --signoff-file (relative to the worktree, e.g. SIGNOFF.md)',
      );
    gates.signoffFile = path.resolve(worktree, opts.signoffFile);
  }
  return { gates };
}

/** Runs of one bead kept on disk; older run folders are removed when a new run starts. */
const KEEP_RUNS = Number(process.env.DX_RUNNER_KEEP_RUNS) > 0 ? Number(process.env.DX_RUNNER_KEEP_RUNS) : 5;

function rotateRuns(beadDir: string, keep: number): void {
  let runs: string[];
  try {
    runs = fs.readdirSync(beadDir).sort(); // run instances start with a UTC timestamp
  } catch {
    return;
  }
  for (const old of runs.slice(0, Math.max(0, runs.length - keep)))
    fs.rmSync(path.join(beadDir, old), { recursive: true, force: true });
}

/**
 * Records a run (one live run per bead, atomically) and launches it detached with its supervisor.
 * `supersedes`: the run this one replaces must still be the bead's newest, or someone else relaunched it.
 */
export function launchRun(store: Store, home: string, launch: Launch, supersedes?: number): JobRecord {
  const { beads, provider } = launch.run;
  const instance = runInstance(provider);
  const dir = jobDir(home, beads, instance);

  const jobId = store.transaction(() => {
    if (supersedes !== undefined && store.jobs.latest(beads)?.id !== supersedes) {
      throw new DxError(
        'restart_in_progress',
        `${beads} was already relaunched by another process; check it with dx-runner check --beads ${beads}`,
      );
    }
    const active = store.jobs.active(beads);
    if (active) {
      if (occupies(active)) {
        throw new DxError(
          'job_already_running',
          `bead ${beads} already has a running job (pid ${active.pid ?? 'starting'}); stop it first with: dx-runner stop --beads ${beads}`,
        );
      }
      finalizeJob(store, active); // a leftover whose process is gone: record how it ended
    }
    // counted and claimed under the same write lock: parallel starts cannot all slip under the cap
    const running = store.jobs.activeOf(provider).filter(occupies).length;
    if (running >= launch.run.settings.maxParallel) {
      throw new DxError(
        'provider_concurrency_cap_exceeded',
        `provider '${provider}' already runs ${running}/${launch.run.settings.maxParallel} jobs; wait for one to finish (start --wait <sec>), raise DX_RUNNER_MAX_PARALLEL_${provider.toUpperCase().replace(/-/g, '_')}, or use another provider`,
      );
    }
    const id = store.jobs.insert({
      ...launch.run,
      runInstance: instance,
      dir,
      host: os.hostname().split('.')[0],
      startedAt: Date.now(),
    });
    for (const t of launch.tried ?? []) store.events.append(id, { kind: 'preflight', ...t });
    return id;
  });

  const files = filesIn(dir);
  const { spec } = launch;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    rotateRuns(path.dirname(dir), KEEP_RUNS);
    // the prompt and launch as sent: later edits to the prompt file cannot change what this run was given
    fs.writeFileSync(path.join(dir, 'prompt.txt'), launch.prompt, { mode: 0o600 });
    fs.writeFileSync(
      path.join(dir, LAUNCH_FILE),
      JSON.stringify({ spec: { command: spec.command, args: spec.args, env: spec.env } }),
      { mode: 0o600 },
    );
    const stdin = fs.openSync(path.join(dir, 'prompt.txt'), 'r');
    const out = fs.openSync(files.out, 'a', 0o600);
    const err = fs.openSync(files.err, 'a', 0o600);
    const child = spawn('/bin/sh', ['-c', WRAPPER, 'dx-runner-job', files.rc, spec.command, ...spec.args], {
      cwd: launch.run.worktree,
      env: spec.env,
      detached: true, // own session and process group: stop signals the whole group, terminals cannot
      stdio: [stdin, out, err],
    });
    for (const fd of [stdin, out, err]) fs.closeSync(fd);
    if (!child.pid) throw new Error('spawn returned no pid');
    child.unref();
    store.jobs.setLaunched(jobId, child.pid, processStartTime(child.pid), null);
    const supervisor = spawnSelfDetached('__supervise', jobId, { home, log: path.join(dir, 'supervisor.log') });
    if (supervisor.pid) store.jobs.setSupervisor(jobId, supervisor.pid);
  } catch (e) {
    // never left looking alive, never a success
    store.jobs.finalize(
      jobId,
      { state: 'failed', reasonCode: 'spawn_failed', exitCode: null },
      { completedAt: Date.now(), mutations: 0, outputBytes: 0, summary: emptySummary() },
    );
    throw new DxError(
      'spawn_failed',
      `could not launch ${provider}: ${(e as Error).message}; check the binary and the state directory`,
    );
  }
  return store.jobs.get(jobId) as JobRecord;
}
