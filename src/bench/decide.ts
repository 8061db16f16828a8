import type { Lane } from '../contract/index.js';
import type { ProgressiveState, Prompt } from './schemas.js';

/**
 * The benchmark's pure decisions (table-tested in test/unit/bench/decide.test.ts): workflows, the failure
 * taxonomy, how far an answer meets its prompt, the progressive phase gate, dry-run figures and the prompts a
 * run uses. Its statistics are in stats.ts.
 */

/** A workflow is a provider and a lane; each attempt is a real dx-runner job on it. */
export const WORKFLOWS: Readonly<Record<string, { provider: string; lane: Lane }>> = {
  opencode_run_headless: { provider: 'opencode', lane: 'headless' },
  opencode_server_http: { provider: 'opencode', lane: 'server' },
  opencode_server_attach_run: { provider: 'opencode', lane: 'attach' },
  cc_glm_headless: { provider: 'cc-glm', lane: 'headless' },
  gemini_run_headless: { provider: 'gemini', lane: 'headless' },
};

export const workflowKind = (lane: Lane) => (lane === 'headless' ? 'headless' : 'server');

export type FailureCategory = 'harness' | 'model' | 'env';

/** What one attempt ended with, as the harness saw it. */
export interface AttemptFacts {
  /** the job was refused before launch (a DxError's reason code), or the harness itself threw */
  launchError: { reasonCode: string; harness: boolean } | null;
  /** the job's recorded outcome: its state and reason */
  outcomeState: string | null;
  outcomeReason: string | null;
  exitCode: number | null;
  timedOut: boolean;
  stalled: boolean;
}

/** Reasons that mean the environment (credentials, quota, binaries, the shared server) and not the model. */
const ENV_REASONS = new RegExp(
  [
    '_auth_failed',
    '_rate_limited',
    '_binary_missing',
    '^provider_not_found$',
    '^worktree_',
    '_mode_unavailable',
    '^server_',
    '^opencode_attach_missing_url$',
    '^model_override_blocked$',
    '^provider_concurrency_cap_exceeded$',
    '_auth_or_quota_blocked$',
    '^auth_',
  ].join('|'),
);

/**
 * Failure taxonomy: env, model or harness, with a reason. Decided on the job's own reason codes, not on substrings
 * of its output, so "author" is never an auth problem. Returns null category/reason on success.
 */
export function classifyAttempt(f: AttemptFacts): { category: FailureCategory | null; reason: string | null } {
  if (f.launchError) {
    if (f.launchError.harness) return { category: 'harness', reason: 'exception_harness' };
    const r = f.launchError.reasonCode;
    if (r === 'model_unavailable') return { category: 'model', reason: 'model_unavailable' };
    return { category: ENV_REASONS.test(r) ? 'env' : 'harness', reason: r };
  }
  if (f.stalled) return { category: 'model', reason: 'stalled_run' };
  if (f.timedOut) return { category: 'model', reason: 'timeout' };
  if (f.outcomeState === 'success') return { category: null, reason: null };
  const r = f.outcomeReason ?? 'unknown';
  if (r.endsWith('_model_unavailable')) return { category: 'model', reason: 'model_not_supported' };
  if (r.endsWith('_auth_failed')) return { category: 'env', reason: 'auth_or_provider' };
  if (r.endsWith('_rate_limited')) return { category: 'env', reason: 'quota_or_rate_limit' };
  if (r.endsWith('_store_busy')) return { category: 'env', reason: 'agent_store_busy' };
  if (r.endsWith('_provider_error')) return { category: 'model', reason: 'provider_error' };
  if (r === 'server_lost') return { category: 'env', reason: 'server_lost' };
  if (f.exitCode === 127) return { category: 'env', reason: 'command_not_found' };
  if (r === 'spawn_failed' || r === 'process_exited_without_rc') return { category: 'harness', reason: r };
  if (r === 'exit_zero_without_final_answer') return { category: 'harness', reason: 'empty_or_unknown' };
  if (f.exitCode !== null && f.exitCode !== 0) return { category: 'model', reason: 'runtime_nonzero' };
  return { category: 'harness', reason: r };
}

/** Fraction of the prompt's hints found (case-insensitive) in the agent's answer; 1 with no hints. */
export function hintMatchRatio(text: string, hints: string[]): number {
  if (!hints.length) return 1;
  const t = text.toLowerCase();
  return hints.filter((h) => t.includes(h.toLowerCase())).length / hints.length;
}

/**
 * The assistant's words in an agent's JSON event stream, whatever the provider: `text` parts (OpenCode),
 * `result` (Claude Code), `response` (Gemini). The user's own turn is skipped: the prompt is not the answer.
 */
export function extractText(stream: string): string {
  const out: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, depth + 1));
    const o = v as Record<string, unknown>;
    if (o.type === 'user' || o.role === 'user') return;
    for (const [k, x] of Object.entries(o)) {
      if (typeof x === 'string' && (k === 'text' || k === 'result' || k === 'response')) out.push(x);
      else walk(x, depth + 1);
    }
  };
  for (const line of stream.split('\n')) {
    try {
      walk(JSON.parse(line), 0);
    } catch {
      // not an event
    }
  }
  return out.join('\n');
}

/** Progressive phases: each runs more workflows and prompts in parallel, and must pass before the next. */
export const PHASES = {
  phase1_smoke: {
    workflows: ['opencode_run_headless'],
    prompt_ids: ['coding_ability_2'],
    parallel: 1,
    max_retries: 1,
    timeout_sec: 300,
    min_success_rate: 1.0,
  },
  phase2_6stream: {
    workflows: ['opencode_run_headless'],
    prompt_ids: ['coding_ability_2', 'latency_speed_1', 'robustness_partial_context_1'],
    parallel: 6,
    max_retries: 1,
    timeout_sec: 300,
    min_success_rate: 1.0,
  },
  phase3_real_coding_gate: {
    workflows: ['opencode_run_headless', 'opencode_server_http'],
    prompt_ids: ['coding_ability_1', 'coding_ability_2', 'latency_speed_1', 'robustness_partial_context_1'],
    parallel: 6,
    max_retries: 1,
    timeout_sec: 420,
    min_success_rate: 0.9,
  },
} as const;
export type Phase = keyof typeof PHASES;

/**
 * May this phase run? The first phase always; a later one once the phase before it has passed at least
 * once, or with --force. Re-running an earlier phase after a later one passed is always allowed.
 */
export function phaseGate(
  phase: Phase,
  state: Pick<ProgressiveState, 'passed_phases'>,
  force: boolean,
): { allowed: boolean; reason_code: string; details: string } {
  const order = Object.keys(PHASES) as Phase[];
  const prev = order[order.indexOf(phase) - 1];
  if (force)
    return {
      allowed: true,
      reason_code: 'phase_gate_forced',
      details: `--force: ${phase} runs without checking earlier phases`,
    };
  if (!prev) return { allowed: true, reason_code: 'phase_gate_ok', details: `${phase} is the first phase` };
  if (state.passed_phases.includes(prev))
    return { allowed: true, reason_code: 'phase_gate_ok', details: `${prev} has passed` };
  return {
    allowed: false,
    reason_code: 'phase_gate_blocked',
    details: `${phase} needs ${prev} to pass first; run dx-runner bench progressive --phase ${prev} (or pass --force)`,
  };
}

/** Dry run: deterministic figures from a hash of run, workflow, prompt and attempt (no job runs). */
export function dryRunAttempt(
  seedHex: string,
  attempt: number,
): {
  success: boolean;
  category: FailureCategory | null;
  rc: number;
  startup: number;
  first: number;
  completion: number;
} {
  const seed = parseInt(seedHex.slice(0, 8), 16);
  const startup = 20 + (seed % 90);
  const fails = attempt === 0 && seed % 7 === 0;
  return {
    success: !fails,
    category: fails ? (['harness', 'model', 'env'] as const)[seed % 3] : null,
    rc: fails ? [2, 1, 127][seed % 3] : 0,
    startup,
    first: startup + 100 + (seed % 700),
    completion: 700 + (seed % 2200),
  };
}

/** The prompts a run uses: all of the set, or the ids asked for (an unknown id is an error). */
export function selectPrompts(prompts: Prompt[], ids: readonly string[] | undefined): Prompt[] | string {
  if (!ids?.length) return prompts;
  const missing = ids.filter((id) => !prompts.some((p) => p.id === id));
  if (missing.length) return `prompt id(s) not in the prompt set: ${missing.join(', ')}`;
  return prompts.filter((p) => ids.includes(p.id));
}
