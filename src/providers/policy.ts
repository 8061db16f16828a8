import type { ProviderAdapter } from './types.js';

/**
 * Model policy: which model a job runs, as a pure decision. The canonical model is strict: a model
 * from the environment (OPENCODE_MODEL …) is used only when overriding is allowed, and is otherwise a
 * refusal (exit 28), never a silent switch. An explicit --model is the operator's own choice.
 */
export interface ModelRequest {
  canonical: string;
  /** --model */
  requested?: string;
  /** the provider's model variable in the environment */
  fromEnv?: string;
  overrideAllowed: boolean;
}

/** Why a model may not run: the environment overrides it without permission, or a profile does not list it. */
export interface ModelRefusal {
  reasonCode: 'model_override_blocked' | 'model_not_allowed';
  detail: string;
}

export type ModelDecision =
  { ok: true; model: string; source: 'flag' | 'env' | 'canonical' } | ({ ok: false } & ModelRefusal);

export function decideModel(r: ModelRequest): ModelDecision {
  if (r.requested) return { ok: true, model: r.requested, source: 'flag' };
  if (r.fromEnv && r.fromEnv !== r.canonical) {
    if (r.overrideAllowed) return { ok: true, model: r.fromEnv, source: 'env' };
    return {
      ok: false,
      reasonCode: 'model_override_blocked',
      detail:
        `the environment asks for ${r.fromEnv} but the canonical model is ${r.canonical} and ` +
        'overriding is not allowed; unset it, or pass --allow-model-override',
    };
  }
  return { ok: true, model: r.canonical, source: 'canonical' };
}

const truthy = (v: string | undefined) => ['1', 'true', 'TRUE', 'yes', 'YES'].includes(v ?? '');

/** The model a command runs with under the policy, from its flags and environment. */
export function policyModel(
  adapter: Pick<ProviderAdapter, 'defaultModel' | 'modelEnv'>,
  requested: string | undefined,
  allowOverride: boolean | undefined,
  env: NodeJS.ProcessEnv,
): ModelDecision {
  return decideModel({
    canonical: adapter.defaultModel,
    requested,
    fromEnv: env[adapter.modelEnv],
    overrideAllowed: !!allowOverride || truthy(env.DX_RUNNER_ALLOW_MODEL_OVERRIDE),
  });
}

/** Where a provider's work goes when its model is unavailable (the seed's routing). */
export const FALLBACK_CHAIN: readonly string[] = ['opencode', 'cc-glm', 'gemini'];

/** The providers after this one in the chain (none for a provider outside it). */
export const fallbackChain = (provider: string): string[] => {
  const i = FALLBACK_CHAIN.indexOf(provider);
  return i >= 0 ? FALLBACK_CHAIN.slice(i + 1) : [];
};

export const fallbackAfter = (provider: string): string | null => fallbackChain(provider)[0] ?? null;
