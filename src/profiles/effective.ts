import { effectiveSettings, fallbackCandidates, withProfile } from '../jobs/start.js';
import { getProvider } from '../providers/index.js';
import { policyModel } from '../providers/policy.js';
import type { Profile } from './schema.js';

/** The settings a job started with this profile (and no flags) gets, through start's own merge. */
export function effectiveProfile(profile: Profile, env: NodeJS.ProcessEnv) {
  const opts = withProfile({ env, cwd: process.cwd() }, profile);
  const adapter = getProvider(opts.provider ?? 'opencode');
  const decision = policyModel(adapter, opts.model, opts.allowModelOverride, env);
  const s = effectiveSettings(opts, adapter.name);
  return {
    provider: adapter.name,
    model: decision.ok ? decision.model : `refused: ${decision.detail}`,
    allowed_models: opts.allowedModels ?? null,
    lane: opts.lane ?? 'headless',
    fallback: fallbackCandidates(adapter.name, undefined, profile),
    strict: profile.strict ?? false,
    max_parallel: s.maxParallel,
    thresholds_sec: {
      startup_grace: s.startupGraceSec,
      stall: s.stallSec,
      no_op_window: s.noOpWindowSec,
      max_runtime: s.maxRuntimeSec,
      no_mutation_timeout: s.noMutationTimeoutSec,
    },
    gates: opts.requireGates ?? [],
  };
}
