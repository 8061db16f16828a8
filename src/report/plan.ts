import { redact } from '../governance/secrets.js';
import { thresholdsSec } from '../health/index.js';
import type { LaunchPlan } from '../jobs/plan.js';
import type { StartPlanOutput } from './schemas.js';

/**
 * `start --dry-run`: the plan as JSON. The command's environment shows by variable name only, as the changes
 * from the caller's own (`env`): its values may be secrets (a token, the server password).
 */
export function planOutput(plan: LaunchPlan, env: NodeJS.ProcessEnv): StartPlanOutput {
  const { run, spec } = plan;
  const s = run.settings;
  const g = s.gates;
  return {
    dry_run: true,
    beads: run.beads,
    provider: run.provider,
    selected_model: run.model,
    execution_mode: run.executionMode,
    fallback_reason: run.fallbackReason,
    tried: plan.tried,
    profile: s.profile ?? null,
    worktree: run.worktree,
    worktree_source: plan.create ?? null,
    prompt_file: run.promptFile,
    thresholds_sec: thresholdsSec(s),
    provider_retry_limit: s.providerRetryLimit,
    rate_limit_retries: s.rateLimitRetries ?? 0,
    max_parallel: s.maxParallel,
    sandbox: plan.sandbox,
    gates: g
      ? {
          required: g.required,
          feature_key: g.featureKey ?? null,
          base: g.base ?? null,
          branch: g.branch ?? null,
          allowed_paths: g.allowedPaths ?? null,
          mutation_budget: g.mutationBudget ?? null,
          signoff_file: g.signoffFile ?? null,
        }
      : null,
    commit_policy: run.commitPolicy,
    verify_cmd: run.verifyCmd,
    command: {
      argv: [spec.command, ...spec.args].map(redact),
      cwd: run.worktree,
      env_set: Object.keys(spec.env)
        .filter((k) => spec.env[k] !== undefined && spec.env[k] !== env[k])
        .sort(),
      env_unset: Object.keys(env)
        .filter((k) => env[k] !== undefined && spec.env[k] === undefined)
        .sort(),
    },
  };
}

const list = (xs: string[]) => (xs.length ? xs.join(', ') : '-');

/** `start --dry-run` without --json: the plan, one line per part. */
export function planLines(p: StartPlanOutput): string[] {
  const t = p.thresholds_sec;
  return [
    `plan beads=${p.beads} provider=${p.provider} model=${p.selected_model} lane=${p.execution_mode} ` +
      `fallback_reason=${p.fallback_reason} (dry run: nothing recorded)`,
    `tried       ${list(p.tried.map((x) => `${x.provider}: ${x.reason_code}`))}`,
    `profile     ${p.profile ?? '-'}`,
    `worktree    ${p.worktree}` +
      (p.worktree_source ? ` (made at launch from ${p.worktree_source.repo} at ${p.worktree_source.base})` : ''),
    `prompt      ${p.prompt_file}`,
    `thresholds  startup grace ${t.startup_grace}s, stall ${t.stall}s, no-op window ${t.no_op_window}s, ` +
      `max runtime ${t.max_runtime}s, no mutation ${t.no_mutation_timeout}s`,
    `cap         ${p.max_parallel} live ${p.provider} jobs`,
    `sandbox     ${p.sandbox.mode} (${p.sandbox.reason})`,
    `gates       ${list(p.gates?.required ?? [])}`,
    `commit      ${p.commit_policy}; verify: ${p.verify_cmd ?? '-'}`,
    `command     ${p.command.argv.join(' ')}`,
    `env set     ${list(p.command.env_set)}`,
    `env unset   ${list(p.command.env_unset)}`,
  ];
}
