import { z } from 'zod';
import { laneSchema } from '../contract/index.js';
import { HEALTH_STATES } from '../health/index.js';

/**
 * The benchmark's file contracts: the prompt set it reads (validated at run time, so a bad file is one
 * clear error) and the JSON artifacts it writes (validated before writing; `dx-runner schema bench-*`).
 */
export const promptSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'letters, digits, _ or -, starting with a letter or digit'),
  category: z.string().min(1),
  title: z.string().min(1),
  prompt: z.string().trim().min(1),
  success_hints: z.array(z.string().min(1)),
});

export const promptSetSchema = z
  .object({ version: z.number().int().positive(), name: z.string().min(1), prompts: z.array(promptSchema).min(1) })
  .refine((s) => new Set(s.prompts.map((p) => p.id)).size === s.prompts.length, {
    message: 'prompt ids must be unique',
    path: ['prompts'],
  });

export type Prompt = z.infer<typeof promptSchema>;
export type PromptSet = z.infer<typeof promptSetSchema>;

const category = z.enum(['harness', 'model', 'env']).nullable();
const ms = z.number().int().nonnegative().nullable();

export const attemptSchema = z.object({
  attempt: z.number().int().nonnegative(),
  beads: z.string().nullable(),
  success: z.boolean(),
  return_code: z.number().int().nullable(),
  timed_out: z.boolean(),
  stall_detected: z.boolean(),
  /** the job's state as every command names it (null: no job was started) */
  state: z.enum(HEALTH_STATES).nullable(),
  reason_code: z.string().nullable(),
  startup_latency_ms: ms,
  first_output_latency_ms: ms,
  completion_latency_ms: ms,
  failure_category: category,
  failure_reason: z.string().nullable(),
  hint_match_ratio: z.number().min(0).max(1),
  session_id: z.string().nullable(),
  tokens_in: z.number().int().nonnegative(),
  tokens_out: z.number().int().nonnegative(),
  mutations: z.number().int().nonnegative(),
  used_model_fallback: z.literal(false),
  stdout_log: z.string().nullable(),
  stderr_log: z.string().nullable(),
  attempt_started_at: z.string(),
  attempt_completed_at: z.string(),
});

export const recordSchema = z.object({
  run_id: z.string(),
  workflow_id: z.string(),
  system: z.string(),
  workflow_kind: z.enum(['headless', 'server']),
  lane: laneSchema,
  prompt_id: z.string(),
  prompt_category: z.string(),
  prompt_title: z.string(),
  model: z.string(),
  model_selected: z.string(),
  fallback_reason: z.string().nullable(),
  success: z.boolean(),
  retry_count: z.number().int().nonnegative(),
  startup_latency_ms: ms,
  first_output_latency_ms: ms,
  completion_latency_ms: ms,
  workflow_startup_latency_ms: ms,
  timed_out: z.boolean(),
  stall_detected: z.boolean(),
  stall_reason: z.string().nullable(),
  failure_category: category,
  failure_reason: z.string().nullable(),
  hint_match_ratio: z.number().min(0).max(1),
  session_id: z.string().nullable(),
  tokens_in: z.number().int().nonnegative(),
  tokens_out: z.number().int().nonnegative(),
  used_model_fallback: z.literal(false),
  job_started_at: z.string(),
  job_completed_at: z.string(),
  attempts: z.array(attemptSchema).min(1),
});
export type BenchRecord = z.infer<typeof recordSchema>;
export type AttemptRecord = z.infer<typeof attemptSchema>;

export const manifestSchema = z.object({
  run_id: z.string(),
  created_at: z.string(),
  workflows: z.array(z.string()),
  models: z.record(z.string(), z.string()),
  parallel: z.number().int().positive(),
  max_retries: z.number().int().nonnegative(),
  timeout_sec: z.number().positive(),
  stall_threshold_sec: z.number().positive(),
  dry_run: z.boolean(),
  cwd: z.string(),
  prompts_file: z.string(),
  prompt_ids: z.array(z.string()),
  governance: z.object({ required_baseline: z.string().nullable() }),
});
export type Manifest = z.infer<typeof manifestSchema>;

const groupRow = z.object({
  job_count: z.number().int(),
  success_count: z.number().int(),
  success_rate: z.number(),
  retry_count: z.number().int(),
  retry_rate: z.number(),
  startup_latency_ms_mean: z.number().nullable(),
  first_output_latency_ms_p50: z.number().nullable(),
  first_output_latency_ms_p95: z.number().nullable(),
  completion_latency_ms_p50: z.number().nullable(),
  completion_latency_ms_p95: z.number().nullable(),
  hint_match_ratio_mean: z.number().nullable(),
});
export const workflowRowSchema = groupRow.extend({ workflow_id: z.string() });
export const systemRowSchema = groupRow.extend({ system: z.string() });
export type GroupRow = z.infer<typeof groupRow>;

export const taxonomySchema = z.object({
  category_counts: z.record(z.string(), z.number().int()),
  reason_counts: z.record(z.string(), z.number().int()),
});

const matrixCell = z
  .object({
    success: z.boolean(),
    completion_latency_ms: ms,
    retry_count: z.number().int(),
    failure_category: category,
    failure_reason: z.string().nullable(),
  })
  .nullable();
export const promptMatrixRowSchema = z.object({
  prompt_id: z.string(),
  prompt_category: z.string(),
  workflows: z.record(z.string(), matrixCell),
});

export const resultsSchema = z.object({
  run_id: z.string(),
  generated_at: z.string(),
  run_dir: z.string(),
  record_count: z.number().int().nonnegative(),
  /** simulated attempts (`--dry-run`): the figures prove nothing (absent in results written before it was kept) */
  dry_run: z.boolean().default(false),
  workflows: z.array(z.string()),
  records: z.array(recordSchema),
  aggregates: z.object({
    by_workflow: z.array(workflowRowSchema),
    by_system: z.array(systemRowSchema),
    failure_taxonomy: taxonomySchema,
    prompt_matrix: z.array(promptMatrixRowSchema),
  }),
});
export type Results = z.infer<typeof resultsSchema>;

export const summarySchema = z.object({
  run_id: z.string(),
  generated_at: z.string(),
  record_count: z.number().int().nonnegative(),
  workflow_metrics: z.array(workflowRowSchema),
  system_metrics: z.array(systemRowSchema),
  failure_taxonomy: taxonomySchema,
});
export type Summary = z.infer<typeof summarySchema>;

const verdict = z.object({ passed: z.boolean(), reason_code: z.string(), details: z.string() }).passthrough();

export const preflightReportSchema = z.object({
  passed: z.boolean(),
  reason_code: z.string(),
  providers: z.array(
    z.object({
      provider: z.string(),
      model: z.string(),
      workflows: z.array(z.string()),
      passed: z.boolean(),
      findings: z.array(
        z.object({
          check: z.string(),
          status: z.string(),
          code: z.string(),
          detail: z.string(),
          next_action: z.string(),
        }),
      ),
    }),
  ),
});

export const governanceReportSchema = z.object({
  run_id: z.string(),
  run_dir: z.string(),
  workflows: z.array(z.string()),
  models: z.record(z.string(), z.string()),
  fallback_reason: z.string().nullable(),
  passed: z.boolean(),
  run_success: z.boolean(),
  reason_code: z.string(),
  exit_code: z.number().int(),
  preflight: preflightReportSchema.nullable(),
  baseline_gate: verdict.nullable(),
  integrity_gate: verdict.nullable(),
  launch: z.object({ record_count: z.number().int(), error: z.string().nullable() }).nullable(),
  summary_json: z.string().nullable(),
  summary_md: z.string().nullable(),
  report_html: z.string().nullable(),
  generated_at: z.string(),
});
export type GovernanceReport = z.infer<typeof governanceReportSchema>;

export const phaseRecordSchema = z.object({
  phase: z.string(),
  run_id: z.string().nullable(),
  run_dir: z.string().nullable(),
  workflows: z.array(z.string()),
  prompt_ids: z.array(z.string()),
  success_rate: z.number().nullable(),
  min_success_rate: z.number(),
  passed: z.boolean(),
  reason_code: z.string(),
  exit_code: z.number().int(),
  details: z.string(),
  governance: governanceReportSchema.nullable(),
  generated_at: z.string(),
});
export type PhaseRecord = z.infer<typeof phaseRecordSchema>;

export const progressiveStateSchema = z.object({
  last_passed_phase: z.string().nullable(),
  passed_phases: z.array(z.string()),
  history: z.array(phaseRecordSchema),
});
export type ProgressiveState = z.infer<typeof progressiveStateSchema>;

/** For `dx-runner schema`. */
export const BENCH_SCHEMAS = {
  'bench-prompts': promptSetSchema,
  'bench-manifest': manifestSchema,
  'bench-record': recordSchema,
  'bench-results': resultsSchema,
  'bench-summary': summarySchema,
  'bench-governance': governanceReportSchema,
  'bench-progressive-state': progressiveStateSchema,
} as const;
