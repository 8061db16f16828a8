import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import { baselineGate, integrityGate } from '../governance/index.js';
import { getProvider } from '../providers/index.js';
import { gatherPreflight } from '../jobs/probe.js';
import { preflightFindings } from '../providers/preflight.js';
import { collectRun, readJson, summarizeRun, writeJson, writeReportHtml } from './collect.js';
import { BENCH_EXIT } from './exit.js';
import { PHASES, phaseGate, WORKFLOWS, type Phase } from './decide.js';
import { prepareRun, runDirOf, stamp, type RunOptions } from './options.js';
import { runBench } from './run.js';
import {
  governanceReportSchema,
  phaseRecordSchema,
  progressiveStateSchema,
  type GovernanceReport,
  type PhaseRecord,
  type ProgressiveState,
  type Results,
} from './schemas.js';

/**
 * The governed benchmark (`dx-runner bench …`): every attempt is a real dx-runner job (run.ts, attempt.ts), the
 * parts are collect and summarize (collect.ts), and this module chains them under the gates.
 */
export { collectRun, summarizeRun } from './collect.js';
export { BENCH_EXIT } from './exit.js';
export {
  DEFAULT_OUTPUT_DIR,
  DEFAULT_PROMPTS_FILE,
  OPENCODE_WORKFLOWS,
  parseModelFor,
  parseWorkflows,
  stamp,
  workflowModels,
} from './options.js';
export { runBench } from './run.js';
export { governanceText, phaseText } from './text.js';
export { PHASES } from './decide.js';

export interface GovernedOptions extends RunOptions {
  reportedCommit: string | null;
  branch: string | null;
  skipPreflight: boolean;
  probe: boolean;
  /** the share of jobs per workflow that must succeed (1.0: all) */
  minSuccessRate: number;
}

type Preflight = NonNullable<GovernanceReport['preflight']>;

/** One preflight per provider and model the run uses (each provider with its own model, not OpenCode's). */
async function preflight(o: GovernedOptions): Promise<Preflight> {
  const groups = new Map<string, { provider: string; model: string | undefined; workflows: string[] }>();
  for (const wf of o.workflows) {
    const { provider } = WORKFLOWS[wf];
    const key = `${provider} ${o.models[wf] ?? ''}`;
    groups.set(key, { provider, model: o.models[wf], workflows: [...(groups.get(key)?.workflows ?? []), wf] });
  }
  const providers: Preflight['providers'] = [];
  for (const g of groups.values()) {
    let adapter;
    try {
      adapter = getProvider(g.provider);
    } catch (e) {
      const err = e as DxError;
      providers.push({
        provider: g.provider,
        model: g.model ?? 'unresolved',
        workflows: g.workflows,
        passed: false,
        findings: [
          {
            check: 'provider',
            status: 'error',
            code: err.reasonCode,
            detail: err.message,
            next_action: 'drop_the_workflow_or_install_the_adapter',
          },
        ],
      });
      continue;
    }
    const facts = await gatherPreflight(adapter, { model: g.model, probe: o.probe, worktree: null, env: o.env });
    const findings = preflightFindings(facts, false);
    providers.push({
      provider: g.provider,
      model: facts.model,
      workflows: g.workflows,
      passed: !findings.some((f) => f.status === 'error'),
      findings,
    });
  }
  const firstError = providers.flatMap((p) => p.findings).find((f) => f.status === 'error');
  return { passed: !firstError, reason_code: firstError?.code ?? 'preflight_ok', providers };
}

/**
 * preflight → baseline gate → run → collect → summarize → integrity gate → governance_report.json.
 * Collection and summary still happen after partial failures. Returns the report and the exit code.
 */
export async function runGoverned(o: GovernedOptions): Promise<GovernanceReport> {
  prepareRun(o);
  const runDir = runDirOf(o);
  const report: GovernanceReport = {
    run_id: o.runId,
    run_dir: runDir,
    workflows: o.workflows,
    models: Object.fromEntries(o.workflows.map((w) => [w, o.models[w] ?? 'unresolved'])),
    fallback_reason: null,
    passed: false,
    run_success: false,
    reason_code: 'governed_ok',
    exit_code: BENCH_EXIT.ok,
    preflight: null,
    baseline_gate: null,
    integrity_gate: null,
    launch: null,
    summary_json: null,
    summary_md: null,
    report_html: null,
    generated_at: '',
  };
  let summarized: Results | null = null;
  const finish = (reason: string, exit: number): GovernanceReport => {
    const done = governanceReportSchema.parse({
      ...report,
      reason_code: reason,
      exit_code: exit,
      generated_at: new Date().toISOString(),
    });
    writeJson(path.join(runDir, 'governance_report.json'), done);
    // the report is drawn again now that the verdict is known: it opens with it
    if (done.report_html && summarized) writeReportHtml(done.report_html, summarized, done);
    return done;
  };

  if (!o.skipPreflight && !o.dryRun) {
    report.preflight = await preflight(o);
    if (!report.preflight.passed) return finish(report.preflight.reason_code, BENCH_EXIT.preflight);
    for (const p of report.preflight.providers) for (const wf of p.workflows) report.models[wf] = p.model;
  }
  if (o.requiredBaseline) {
    const gate = baselineGate(o.cwd, o.requiredBaseline);
    report.baseline_gate = { ...gate };
    if (!gate.passed) return finish('baseline_gate_failed', BENCH_EXIT.baseline);
  }

  let records = 0;
  try {
    records = (await runBench({ ...o, models: { ...o.models, ...report.models } })).records.length;
    report.launch = { record_count: records, error: null };
  } catch (e) {
    report.launch = { record_count: 0, error: (e as Error).message };
  }
  if (!records) return finish('launch_failed_no_records', BENCH_EXIT.noRecords);

  let byWorkflow;
  try {
    const { results, resultsJson } = collectRun(runDir);
    byWorkflow = results.aggregates.by_workflow;
    const { files } = (() => {
      try {
        return summarizeRun(resultsJson);
      } catch (e) {
        throw Object.assign(e as Error, { stage: 'summarize' });
      }
    })();
    Object.assign(report, files);
    summarized = results;
  } catch (e) {
    const stage = (e as { stage?: string }).stage;
    return finish(
      stage === 'summarize' ? 'summarize_failed' : 'collect_failed',
      stage === 'summarize' ? BENCH_EXIT.summarize : BENCH_EXIT.collect,
    );
  }

  if (o.reportedCommit) report.integrity_gate = { ...integrityGate(o.cwd, o.reportedCommit, o.branch ?? undefined) };
  report.run_success = byWorkflow.every((w) => w.success_rate >= o.minSuccessRate);
  report.passed = report.run_success && (report.integrity_gate?.passed ?? true);
  if (report.passed) return finish('governed_ok', BENCH_EXIT.ok);
  return finish(report.run_success ? 'integrity_gate_failed' : 'run_failed', BENCH_EXIT.failed);
}

export const stateFile = (outputDir: string) => path.join(outputDir, 'progressive', 'state.json');

export function readState(file: string): ProgressiveState {
  if (!fs.existsSync(file)) return { last_passed_phase: null, passed_phases: [], history: [] };
  const parsed = progressiveStateSchema.safeParse(readJson(file));
  if (!parsed.success)
    throw new DxError(
      'progressive_state_invalid',
      `${file} is not a progressive state file; move it aside to start over`,
    );
  return parsed.data;
}

/**
 * One progressive phase, gated by progressive/state.json (phaseGate decides). A blocked phase is
 * recorded in the history and answered with JSON and exit 8; a run phase is a governed run of its own.
 */
export async function runPhase(
  phase: Phase,
  o: Omit<GovernedOptions, 'workflows' | 'promptIds' | 'parallel' | 'maxRetries' | 'timeoutSec' | 'minSuccessRate'>,
  force: boolean,
): Promise<PhaseRecord> {
  const settings = PHASES[phase];
  const file = stateFile(path.resolve(o.cwd, o.outputDir));
  const state = readState(file);
  const gate = phaseGate(phase, state, force);
  const base = {
    phase,
    workflows: [...settings.workflows],
    prompt_ids: [...settings.prompt_ids],
    min_success_rate: settings.min_success_rate,
  };
  let record: PhaseRecord;
  if (!gate.allowed) {
    record = {
      ...base,
      run_id: null,
      run_dir: null,
      success_rate: null,
      passed: false,
      reason_code: gate.reason_code,
      exit_code: BENCH_EXIT.phaseBlocked,
      details: gate.details,
      governance: null,
      generated_at: new Date().toISOString(),
    };
  } else {
    const gov = await runGoverned({
      ...o,
      workflows: [...settings.workflows],
      promptIds: [...settings.prompt_ids],
      parallel: settings.parallel,
      maxRetries: settings.max_retries,
      timeoutSec: settings.timeout_sec,
      minSuccessRate: settings.min_success_rate,
    });
    const rate = gov.summary_json
      ? ((
          readJson(gov.summary_json) as { system_metrics: Array<{ system: string; success_rate: number }> }
        ).system_metrics.find((s) => s.system === 'opencode')?.success_rate ?? 0)
      : null;
    const passed =
      gov.exit_code === BENCH_EXIT.ok ||
      (gov.exit_code === BENCH_EXIT.failed &&
        rate !== null &&
        rate >= settings.min_success_rate &&
        (gov.integrity_gate?.passed ?? true));
    record = {
      ...base,
      run_id: gov.run_id,
      run_dir: gov.run_dir,
      success_rate: rate,
      passed,
      reason_code: passed ? 'phase_passed' : gov.reason_code,
      exit_code: passed ? BENCH_EXIT.ok : gov.exit_code,
      details: gate.details,
      governance: gov,
      generated_at: new Date().toISOString(),
    };
  }
  record = phaseRecordSchema.parse(record);
  const next: ProgressiveState = {
    last_passed_phase: record.passed ? phase : state.last_passed_phase,
    passed_phases:
      record.passed && !state.passed_phases.includes(phase) ? [...state.passed_phases, phase] : state.passed_phases,
    history: [...state.history, record],
  };
  writeJson(file, progressiveStateSchema.parse(next));
  return record;
}

export const defaultRunId = (kind: string) => `${kind}-${stamp()}`;
export type { Phase };
