import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptySummary, foldEvent, type OutputSummary } from '../health/index.js';
import type { ReasonCode } from '../core/reasons.js';
import { getProvider } from './index.js';
import { prepareSetup } from './setup.js';
import { fallbackAfter, type ModelRefusal } from './policy.js';
import type { AuthCheck, ProviderAdapter } from './types.js';
import { modelFacts, providerChecks, type CheckName, type ModelAsk } from './verdict.js';

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
  out.push(
    refusal('binary')
      ? {
          check: 'binary',
          status: 'error',
          code: `${prefix}_binary_missing`,
          detail: `${f.binary} does not run`,
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

export const probeTimeoutMs = (env: NodeJS.ProcessEnv) =>
  (Number(env.DX_RUNNER_PROBE_TIMEOUT_SEC) > 0 ? Number(env.DX_RUNNER_PROBE_TIMEOUT_SEC) : 45) * 1000;

/** Gathers a preflight's facts at the edge (`preflight` and `bench governed` share it). */
export async function gatherPreflight(
  adapter: ProviderAdapter,
  o: ModelAsk & {
    binary?: string;
    probe: boolean;
    worktree: PreflightFacts['worktree'];
    env: NodeJS.ProcessEnv;
  },
): Promise<PreflightFacts> {
  const { model, policyRefusal } = modelFacts(adapter, o, o.env);
  const binary = adapter.resolveBinary(o.binary, o.env);
  const version = await binaryVersion(binary, o.env);
  const auth = adapter.checkAuth?.(o.env) ?? null;
  return {
    provider: adapter.name,
    model,
    binary,
    version,
    models: adapter.listModels ? (version ? await adapter.listModels(binary, o.env) : null) : undefined,
    // without credentials the launch cannot even be built: the auth finding says why
    probe:
      version && o.probe && auth?.ok !== false
        ? await runProbe(adapter, model, o.env, o.binary, probeTimeoutMs(o.env))
        : null,
    auth,
    policyRefusal,
    worktree: o.worktree,
  };
}

export function binaryVersion(binary: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(binary, ['--version'], { env, timeout: 15_000 }, (err, stdout) =>
      resolve(err ? null : stdout.trim().split('\n')[0] || null),
    );
  });
}

/**
 * The live call: the provider's own launch, with a one-line prompt, in a scratch git repo, read through
 * its own event parser. Fails on an error event, a non-zero exit, no final answer, or the timeout.
 */
export function runProbe(
  adapter: ProviderAdapter,
  model: string,
  env: NodeJS.ProcessEnv,
  binary: string | undefined,
  timeoutMs: number,
): Promise<ProbeResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-runner-probe-'));
  execFile('git', ['init', '-q', dir], () => undefined);
  const spec = adapter.buildLaunch({ lane: 'headless', model, worktree: dir, beads: 'dx-runner-probe', env, binary });
  prepareSetup(spec.setup);
  const t0 = Date.now();
  return new Promise((resolve) => {
    let summary: OutputSummary = emptySummary();
    const child = spawn(spec.command, spec.args, {
      cwd: dir,
      env: spec.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdin.end('Reply with the single word READY.');
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) for (const e of adapter.parseStdoutLine(l)) summary = foldEvent(summary, e);
    });
    child.stderr.on('data', (c: Buffer) => {
      for (const l of c.toString('utf8').split('\n'))
        for (const e of adapter.parseStderrLine(l)) summary = foldEvent(summary, e);
    });
    const finish = (r: ProbeResult) => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(r);
    };
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
      finish({ ok: false, reason: summary.errorReason ?? summary.retryReason ?? 'probe_timeout', ms: Date.now() - t0 });
    }, timeoutMs);
    child.on('error', () => finish({ ok: false, reason: `${adapter.name}_binary_missing`, ms: Date.now() - t0 }));
    child.on('exit', (code) => {
      const ok = code === 0 && summary.completed && !summary.errorReason;
      finish({ ok, reason: ok ? null : (summary.errorReason ?? `exit_${code}`), ms: Date.now() - t0 });
    });
  });
}
