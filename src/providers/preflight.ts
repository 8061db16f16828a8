import type { ReasonCode } from '../core/reasons.js';
import { getProvider } from './index.js';
import { fallbackAfter, type ModelRefusal } from './policy.js';
import type { AuthCheck } from './types.js';
import { providerChecks, type CheckName } from './verdict.js';

export type Severity = 'ok' | 'warn' | 'error';

export interface Finding {
  check: string;
  status: Severity;
  code: string;
  detail: string;
  next_action: string;
}

export interface ProbeResult {
  ok: boolean;
  /** a reason code when not ok: the provider's failure class, or probe_timeout */
  reason: string | null;
  ms: number;
}

/** Facts a preflight gathers at the edge; the findings are decided from them alone. */
export interface PreflightFacts {
  provider: string;
  model: string;
  binary: string;
  version: string | null;
  /** null: the CLI could not list its models; undefined: the provider has none to list (the probe is the check) */
  models?: string[] | null;
  /** null: the probe was skipped */
  probe: ProbeResult | null;
  /** the provider's credentials check; null when the provider has none */
  auth: AuthCheck | null;
  /** the model rules' refusal (the policy or the profile's list), if any */
  policyRefusal: ModelRefusal | null;
  /** the worktree policy's verdict, if a worktree was named */
  worktree: { passed: boolean; reason_code: string; details: string } | null;
}

const POLICY_NEXT: Partial<Record<ReasonCode, string>> = {
  model_override_blocked: 'unset_the_model_variable_or_allow_override',
  model_not_allowed: 'use_a_model_the_profile_allows',
};

/**
 * Pure: the findings of a preflight, strict turning warnings into errors. Binary, model policy, credentials and
 * model list are start's own checks (providerChecks), so preflight and start agree on whether the provider can
 * take the model; the probe and the worktree are preflight's alone.
 */
export function preflightFindings(f: PreflightFacts, strict: boolean): Finding[] {
  const fallback = fallbackAfter(f.provider);
  const route = fallback ? `route_to_${fallback.replace(/-/g, '_')}` : 'use_another_provider';
  // reason codes are snake_case, also for a provider named with a dash: claude_code_binary_missing
  const prefix = f.provider.replace(/-/g, '_');
  const checks = providerChecks(getProvider(f.provider), {
    model: f.model,
    policyRefusal: f.policyRefusal,
    auth: f.auth,
    binary: { command: f.binary, found: f.version !== null },
    models: f.models,
  });
  const status = (name: CheckName) => checks.find((c) => c.check === name)?.status;
  const refusal = (name: CheckName) => {
    const c = checks.find((x) => x.check === name);
    return c?.status === 'refused' ? c.refusal : null;
  };
  const out: Finding[] = [];
  const binary = refusal('binary');
  out.push(
    binary
      ? {
          check: 'binary',
          status: 'error',
          code: `${prefix}_binary_missing`,
          detail: binary.message, // names the install command
          next_action: 'install_the_provider_cli',
        }
      : { check: 'binary', status: 'ok', code: 'binary_ok', detail: `${f.binary} ${f.version}`, next_action: '-' },
  );
  const policy = refusal('model_policy');
  out.push(
    policy
      ? {
          check: 'model_policy',
          status: 'error',
          code: policy.reasonCode,
          detail: policy.message,
          next_action: POLICY_NEXT[policy.reasonCode] ?? route,
        }
      : { check: 'model_policy', status: 'ok', code: 'model_policy_ok', detail: f.model, next_action: '-' },
  );
  const auth = refusal('auth');
  if (auth)
    out.push({ check: 'auth', status: 'error', code: auth.reasonCode, detail: auth.message, next_action: route });
  else if (f.auth?.ok) {
    out.push({
      check: 'auth',
      status: 'ok',
      code: 'auth_ok',
      detail: `credentials from ${f.auth.source}`,
      next_action: '-',
    });
  }
  // no model_listed check for a provider with no list: Claude Code takes any model name and the endpoint decides
  const listed = status('model_listed');
  if (listed === 'unknown') {
    out.push({
      check: 'model_listed',
      status: 'warn',
      code: 'models_list_failed',
      detail: 'the CLI did not list its models',
      next_action: 'check_the_provider_cli',
    });
  } else if (listed === 'ok') {
    out.push({
      check: 'model_listed',
      status: 'ok',
      code: 'model_listed',
      detail: `${f.model} is one of ${f.models?.length} models`,
      next_action: '-',
    });
  } else if (listed === 'refused') {
    out.push({
      check: 'model_listed',
      status: 'error',
      code: 'model_unavailable',
      detail: `${f.model} is not offered${fallback ? `; fall back to ${fallback}` : ''}`,
      next_action: route,
    });
  }
  if (f.probe) {
    const p = f.probe;
    if (p.ok)
      out.push({ check: 'probe', status: 'ok', code: 'probe_ok', detail: `answered in ${p.ms} ms`, next_action: '-' });
    else if (p.reason === 'probe_timeout') {
      out.push({
        check: 'probe',
        status: 'warn',
        code: 'canonical_model_probe_timeout',
        detail: `no answer within ${p.ms} ms`,
        next_action: 'retry_later_or_raise_DX_RUNNER_PROBE_TIMEOUT_SEC',
      });
    } else if (/auth_failed|rate_limited/.test(p.reason ?? '')) {
      out.push({
        check: 'probe',
        status: 'error',
        code: `${prefix}_auth_or_quota_blocked`,
        detail: p.reason as string,
        next_action: route,
      });
    } else if (/model_unavailable/.test(p.reason ?? '')) {
      out.push({
        check: 'probe',
        status: 'error',
        code: 'model_unavailable',
        detail: p.reason as string,
        next_action: route,
      });
    } else
      out.push({
        check: 'probe',
        status: 'error',
        code: 'probe_failed',
        detail: p.reason ?? 'unknown',
        next_action: route,
      });
  }
  if (f.worktree) {
    out.push({
      check: 'worktree',
      status: f.worktree.passed ? 'ok' : 'error',
      code: f.worktree.reason_code,
      detail: f.worktree.details,
      next_action: f.worktree.passed ? '-' : 'use_a_linked_worktree',
    });
  }
  return strict ? out.map((x) => (x.status === 'warn' ? { ...x, status: 'error' } : x)) : out;
}
