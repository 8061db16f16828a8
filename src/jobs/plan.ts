import { DxError } from '../core/errors.js';
import { asReasonCode, isProviderFault } from '../core/reasons.js';
import type { PostJobGates } from '../contract/index.js';
import { LANES, SANDBOX_MODES, type Lane, type SandboxMode, type SandboxRecord } from '../contract/names.js';
import type { JobEvent } from '../contract/events.js';
import type { MutationBaseline } from '../governance/git.js';
import { guardPrompt, type Verdict } from '../governance/index.js';
import { getProvider } from '../providers/index.js';
import type { LaunchSpec, ProviderAdapter } from '../providers/types.js';
import { firstRefusal, providerChecks, type ProviderFacts } from '../providers/verdict.js';
import type { LoadedProfile } from '../profiles/index.js';
import type { Launch } from './launch.js';
import {
  deliveryPolicy,
  effectiveSettings,
  envLane,
  fallbackCandidates,
  withProfile,
  type StartOptions,
} from './options.js';
import { jobWork, postJobGates, type JobWork } from './postJob.js';
import { decideSandbox, sandboxedSpec } from './sandbox.js';
import { promptSource, validateBeadsId } from './validate.js';
import type { WorktreeSource } from './worktree.js';

/**
 * Start as a pure plan: `planJob` checks the job (bead, prompt, providers, worktree, gates, lane) and lists the
 * providers that may take it; `chooseProvider` gives it to the first whose checks pass; `planLaunch` makes the
 * run to record. Facts are gathered at the edge (jobs/facts.ts) and passed in; a fact that could not be had is
 * its refusal, raised here in its turn, so the first problem in this order is the one reported.
 */

/**
 * The worktree (its real path) with the worktree policy's verdict and the required baseline's (when asked);
 * `create`: it does not exist yet and is made from there at launch.
 */
export interface JobWorktree {
  path: string;
  policy: Verdict;
  baseline: Verdict | null;
  create?: WorktreeSource;
}

/** What start knows of the job before planning it. */
export interface JobFacts {
  /** the prompt's text */
  prompt: string | DxError;
  worktree: JobWorktree | DxError;
  /** the scope gate's allow-list as read (null: the file cannot be read); absent when no file is named */
  allowedPaths?: string[] | null;
}

export interface PlanInput {
  /** the options as given: flags, a wave item's or a benchmark attempt's */
  flags: StartOptions;
  /** the profile --profile named */
  profile?: LoadedProfile;
  facts: JobFacts;
}

/** A provider that may take the job, and what it is asked. */
export interface Candidate {
  adapter: ProviderAdapter;
  /** a fallback runs its own canonical model and cap: the job's model rules and cap were the first provider's */
  opts: StartOptions;
  /** a fallback without the asked lane runs headless */
  lane: Lane;
}

/** The job as checked, before a provider is chosen. */
export interface JobPlan {
  /** the options merged with the profile: flags > profile > environment > defaults */
  opts: StartOptions;
  /** the profile's name */
  profile?: string;
  beads: string;
  prompt: string;
  worktree: string;
  /** the worktree is made from there at launch */
  create?: WorktreeSource;
  gates?: PostJobGates;
  work: JobWork;
  /** the job's provider, then its fallbacks in order */
  candidates: Candidate[];
  /** the filesystem sandbox asked for: flags > profile > auto */
  sandbox: SandboxMode;
}

/** What the sandbox decision needs from the host: does bwrap work (asked only when it matters), the git dir. */
export interface SandboxFacts {
  bwrapWorks?: boolean;
  /** the repository's common git dir, written by a linked worktree's commits (null: none or not needed) */
  gitCommonDir: string | null;
}

/** One provider's fail-fast checks at start, as recorded in the job's events. */
export type ProviderTry = Omit<Extract<JobEvent, { kind: 'preflight' }>, 'kind'>;
/** A check start could not make and went on without, as recorded in the job's events. */
export type RunWarning = Omit<Extract<JobEvent, { kind: 'warning' }>, 'kind'>;

/** The provider that takes the job, with its model and launch, every provider tried, and what went unchecked. */
export interface Chosen {
  chosen: Candidate;
  model: string;
  spec: LaunchSpec;
  tried: ProviderTry[];
  warnings: RunWarning[];
}

/** What start decided: the run to record and launch, and the providers it tried on the way. */
export interface LaunchPlan extends Launch {
  tried: ProviderTry[];
  /** the sandbox the run gets (also kept in its settings) */
  sandbox: SandboxRecord;
  /** the worktree is made from there before the launch */
  create?: WorktreeSource;
}

const known = <T>(fact: T | DxError): T => {
  if (fact instanceof DxError) throw fact;
  return fact;
};

/** Pure: the job checked in order, with the providers that may take it. */
export function planJob({ flags, profile, facts }: PlanInput): JobPlan {
  const merged = withProfile(flags, profile?.profile);
  // the attach/server lanes' server: --attach > OPENCODE_ATTACH_URL > the managed one
  const opts = { ...merged, attachUrl: merged.attachUrl ?? (merged.env.OPENCODE_ATTACH_URL || undefined) };
  const beads = validateBeadsId(opts.beads);
  const prompt = known(facts.prompt);
  guardPrompt(prompt); // before the provider: a leaked secret is refused whatever else is wrong
  const primary = getProvider(opts.provider ?? 'opencode');
  const fallbacks = fallbackCandidates(primary.name, opts.fallback, profile?.profile).map(getProvider);
  const worktree = known(facts.worktree);
  if (!worktree.policy.passed) throw new DxError(asReasonCode(worktree.policy.reason_code), worktree.policy.details);
  const gates = postJobGates(opts, beads, worktree.path, facts.allowedPaths);
  const work = jobWork(opts);
  const baseline = worktree.baseline;
  if (baseline && !baseline.passed) {
    const why = `baseline gate failed: ${baseline.details}`;
    throw new DxError(asReasonCode(baseline.reason_code), why, 'policy');
  }
  const asked = opts.lane as Lane | undefined;
  if (asked !== undefined && !LANES.includes(asked))
    throw new DxError('unknown_lane', `unknown lane '${opts.lane}'; use one of: ${LANES.join(', ')}`);
  const sandbox = (opts.sandbox ?? 'auto') as SandboxMode;
  if (!SANDBOX_MODES.includes(sandbox))
    throw new DxError('unknown_sandbox', `unknown sandbox '${opts.sandbox}'; use one of: ${SANDBOX_MODES.join(', ')}`);
  // OpenCode's own variable, for OpenCode only: flags > profile > environment > headless
  const laneOf = (adapter: ProviderAdapter): Lane => {
    const lane = asked ?? (adapter.cli === 'opencode' ? envLane(opts.env) : undefined) ?? 'headless';
    return adapter === primary || adapter.lanes.includes(lane) ? lane : 'headless';
  };
  const asFallback = { ...opts, model: undefined, allowedModels: undefined, maxParallel: undefined };
  const candidates: Candidate[] = [
    { adapter: primary, opts, lane: laneOf(primary) },
    ...fallbacks.map((adapter) => ({ adapter, opts: asFallback, lane: laneOf(adapter) })),
  ];
  // thresholds and caps (flags, profile, DX_RUNNER_* variables) are input too: refused before a provider is asked
  for (const c of candidates) effectiveSettings(c.opts, c.adapter.name);
  const { path: wt, create } = worktree;
  return { opts, profile: profile?.name, beads, prompt, worktree: wt, create, gates, work, candidates, sandbox };
}

/**
 * Refusals another provider may cure: the provider's own fault (credentials, binary, model), or a lane it lacks
 * (a fallback without the asked lane runs headless).
 */
export const fallsBack = (e: unknown): e is DxError =>
  e instanceof DxError && (isProviderFault(e.kind) || e.kind === 'lane');

/**
 * Pure: which provider takes the job, from the facts of the candidates gathered so far, in order: the first
 * whose checks all pass, or `next`, the candidate whose facts are needed to go on. A refusal another provider
 * may cure moves on to the next candidate; any other, or the last candidate's, refuses the job.
 */
export function chooseProvider(job: JobPlan, facts: ProviderFacts[]): Chosen | { next: Candidate } {
  const tried: ProviderTry[] = [];
  for (const [i, candidate] of job.candidates.entries()) {
    const f = facts[i];
    if (!f) return { next: candidate };
    const provider = candidate.adapter.name;
    const checks = providerChecks(candidate.adapter, f, candidate.lane);
    const refusal = firstRefusal(checks);
    if (!refusal) {
      // the edge gathers every fact of a provider that passes: its launch is built
      if (!f.launch || f.launch instanceof DxError) throw new Error(`${provider} passed without a launch`);
      tried.push({ provider, model: f.model, passed: true, reason_code: 'preflight_ok', message: '' });
      // never silent: a model the provider does not offer would only fail at its first call
      const warnings = checks.some((c) => c.status === 'unknown')
        ? [
            {
              reason_code: 'model_check_unavailable',
              message: `${provider} could not list its models: ${f.model} is unchecked`,
            },
          ]
        : [];
      return { chosen: candidate, model: f.model, spec: f.launch, tried, warnings };
    }
    if (!fallsBack(refusal)) throw refusal;
    tried.push({ provider, model: null, passed: false, reason_code: refusal.reasonCode, message: refusal.message });
    if (i < job.candidates.length - 1) continue;
    if (tried.length === 1) throw refusal;
    const each = tried.map((t) => `${t.provider}: ${t.reason_code}`).join('; ');
    throw new DxError(
      refusal.reasonCode,
      `no provider could take the job: ${each}. Last: ${refusal.message}`,
      refusal.kind,
    );
  }
  throw new Error('no provider to try'); // unreachable: the job's own provider is always a candidate
}

/** Pure: the run start records and launches, with the settings (and the sandbox) fixed into it. */
export function planLaunch(job: JobPlan, choice: Chosen, baseline: MutationBaseline, host: SandboxFacts): LaunchPlan {
  const { chosen, model, tried, warnings } = choice;
  const sandbox = decideSandbox(job.sandbox, chosen.lane, host.bwrapWorks);
  const spec = sandbox.mode === 'bwrap' ? sandboxedSpec(choice.spec, job.worktree, host.gitCommonDir) : choice.spec;
  const firstFailure = tried.find((t) => !t.passed);
  return {
    run: {
      beads: job.beads,
      provider: chosen.adapter.name,
      retries: 0,
      worktree: job.worktree,
      promptFile: promptSource(job.opts),
      model,
      executionMode: chosen.lane,
      fallbackReason: firstFailure ? `${firstFailure.provider}:${firstFailure.reason_code}` : 'none',
      cwd: job.opts.cwd,
      startHead: baseline.head,
      baseline: JSON.stringify(baseline.dirty),
      commitPolicy: job.work.commitPolicy,
      verifyCmd: job.work.verifyCmd,
      settings: {
        ...effectiveSettings(chosen.opts, chosen.adapter.name),
        ...(job.gates ? { gates: job.gates } : {}),
        ...(job.work.verifyTimeoutSec ? { verifyTimeoutSec: job.work.verifyTimeoutSec } : {}),
        ...(job.profile ? { profile: job.profile } : {}),
        sandbox,
        ...(deliveryPolicy(job.opts) ? { delivery: deliveryPolicy(job.opts) } : {}),
        ...(job.opts.fleetWorker ? { fleetWorker: job.opts.fleetWorker } : {}),
      },
    },
    prompt: job.prompt,
    spec,
    tried,
    warnings,
    sandbox,
    ...(job.create ? { create: job.create } : {}),
  };
}
