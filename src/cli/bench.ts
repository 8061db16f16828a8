import { Command, Option } from 'commander';
import path from 'node:path';
import { emit, fieldLines } from './output.js';
import { nonBlank, number } from './shared.js';
// the benchmark (and zod) are loaded by these commands only, keeping the others' start-up lean
const bench = () => import('../bench/index.js');

interface RunFlags {
  workflows?: string;
  promptsFile?: string;
  promptIds?: string;
  model?: string;
  modelFor: string[];
  parallel: number;
  maxRetries: number;
  timeoutSec: number;
  stallThresholdSec: number;
  pollIntervalSec: number;
  dryRun?: boolean;
  runId?: string;
  outputDir?: string;
  cwd?: string;
  requiredBaseline?: string;
  keepWorktrees?: boolean;
  json?: boolean;
}

interface GovernedFlags extends RunFlags {
  reportedCommit?: string;
  branch?: string;
  skipPreflight?: boolean;
  probe: boolean;
}

const JSON_HELP = 'JSON output, errors too (the default when stdout is not a terminal)';

const collectList = (v: string, prev: string[]) => [...prev, v];

function runOptions(c: Command, parallel: number): Command {
  return c
    .option(
      '--prompts-file <file>',
      'prompt set (JSON: {version, name, prompts:[{id, category, title, prompt, success_hints}]}; ' +
        'default: the five shipped prompts)',
    )
    .option('--prompt-ids <ids>', 'only these prompts of the set (comma list)')
    .option(
      '--model <id>',
      "model for the OpenCode workflows (default: opencode's canonical model)",
      nonBlank('--model'),
    )
    .option(
      '--model-for <workflow=model>',
      'model for one workflow (repeatable); other providers default to their own canonical model',
      collectList,
      [],
    )
    .option('--parallel <n>', 'jobs at once (one global queue)', number('--parallel', {}), parallel)
    .option(
      '--max-retries <n>',
      'extra attempts per job after a failure (each a new job, recorded)',
      number('--max-retries', {}),
      1,
    )
    .option(
      '--timeout-sec <s>',
      'an attempt still running after this is stopped (timed_out)',
      number('--timeout-sec', {}),
      300,
    )
    .option(
      '--stall-threshold-sec <s>',
      'an attempt with no output and no CPU progress for this long is stopped (stalled_run)',
      number('--stall-threshold-sec', {}),
      120,
    )
    .option(
      '--poll-interval-sec <s>',
      'how often each attempt is checked (min 0.1)',
      number('--poll-interval-sec', {}),
      0.5,
    )
    .option('--dry-run', 'launch nothing: deterministic simulated records (to try collect/summarize)')
    .option('--run-id <id>', 'run id (default: <kind>-<UTC timestamp>)')
    .option('--output-dir <dir>', 'runs go to <dir>/<run_id>', 'artifacts/opencode-dispatch-bench')
    .option('--cwd <dir>', 'the git repository under test (default: the current directory)')
    .option('--required-baseline <sha>', 'refuse to run unless HEAD contains this commit (exit 4)')
    .option(
      '--keep-worktrees',
      "keep each attempt's git worktree under <run>/worktrees (default: removed after the attempt)",
    )
    .option('--json', JSON_HELP);
}

async function toRunOptions(o: RunFlags, kind: string, defaultWorkflows: string[]) {
  const b = await bench();
  const cwd = path.resolve(o.cwd ?? process.cwd());
  const workflows = b.parseWorkflows(o.workflows, defaultWorkflows);
  const promptIds = o.promptIds
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    runId: o.runId ?? b.defaultRunId(kind),
    outputDir: o.outputDir ?? b.DEFAULT_OUTPUT_DIR,
    cwd,
    workflows,
    models: b.workflowModels(workflows, o.model, b.parseModelFor(o.modelFor, workflows)),
    promptsFile: o.promptsFile ? path.resolve(o.promptsFile) : b.DEFAULT_PROMPTS_FILE,
    promptIds,
    parallel: o.parallel,
    maxRetries: o.maxRetries,
    timeoutSec: o.timeoutSec,
    stallThresholdSec: o.stallThresholdSec,
    pollIntervalSec: o.pollIntervalSec,
    dryRun: !!o.dryRun,
    keepWorktrees: !!o.keepWorktrees,
    requiredBaseline: o.requiredBaseline ?? null,
    env: process.env,
  };
}

export function registerBenchCommands(program: Command): void {
  const cmd = program
    .command('bench')
    .description(
      'the governed benchmark: workflows × prompts as real dx-runner jobs, collected, summarized and gated ' +
        '(exit 0 pass, 1 preflight, 3 failed, 4 baseline, 5 no records, 6 collect, 7 summarize, ' +
        '8 phase blocked)',
    )
    // the run folder holds prompts, agent output and worktrees: private, whatever the user's umask, and so is
    // what its agents write there
    .hook('preAction', () => void process.umask(0o077));

  runOptions(cmd.command('governed'), 6)
    .description(
      'preflight → baseline gate → run → collect → summarize → integrity gate → governance_report.json (printed)',
    )
    .requiredOption(
      '--workflows <list>',
      'comma list: opencode_run_headless, opencode_server_http, opencode_server_attach_run, ' +
        'cc_glm_headless, gemini_run_headless',
    )
    .option('--reported-commit <sha>', 'run the integrity gate: this commit must be on --branch')
    .option('--branch <name>', 'branch for the integrity gate (default: the current one)')
    .option('--skip-preflight', 'skip the per-provider preflight')
    .option('--no-probe', 'preflight without the live model call')
    .action(async (o: GovernedFlags) => {
      const b = await bench();
      const r = await b.runGoverned({
        ...(await toRunOptions(o, 'governed', [])),
        reportedCommit: o.reportedCommit ?? null,
        branch: o.branch ?? null,
        skipPreflight: !!o.skipPreflight,
        probe: o.probe,
        minSuccessRate: 1,
      });
      emit(r, o, true, b.governanceText);
      process.exitCode = r.exit_code;
    });

  cmd
    .command('progressive')
    .description(
      'one phase of the progressive rollout, gated by <output-dir>/progressive/state.json: a phase runs ' +
        'once the phase before it has passed (exit 8 and JSON if not), unless --force',
    )
    .addOption(
      new Option('--phase <phase>', 'phase')
        .choices(['phase1_smoke', 'phase2_6stream', 'phase3_real_coding_gate'])
        .makeOptionMandatory(),
    )
    .option('--prompts-file <file>', 'prompt set holding the phase prompt ids (default: the shipped one)')
    .option('--model <id>', 'model for the OpenCode workflows', nonBlank('--model'))
    .option('--output-dir <dir>', 'runs and progressive/state.json go here', 'artifacts/opencode-dispatch-bench')
    .option('--cwd <dir>', 'the git repository under test (default: the current directory)')
    .option('--required-baseline <sha>', 'refuse to run unless HEAD contains this commit (exit 4)')
    .option('--reported-commit <sha>', 'run the integrity gate')
    .option('--branch <name>', 'branch for the integrity gate')
    .option('--stall-threshold-sec <s>', 'stall threshold per attempt', number('--stall-threshold-sec', {}), 120)
    .option('--force', 'run the phase even if the phase before it has not passed')
    .option('--dry-run', 'launch nothing: deterministic simulated records')
    .option('--json', JSON_HELP)
    .option('--skip-preflight', 'skip the per-provider preflight')
    .option('--no-probe', 'preflight without the live model call')
    .action(async (o: GovernedFlags & { phase: string; force?: boolean }) => {
      const b = await bench();
      const phase = o.phase as keyof typeof b.PHASES;
      const base = await toRunOptions(
        { ...o, modelFor: [], parallel: 1, maxRetries: 0, timeoutSec: 1, pollIntervalSec: 0.5, runId: o.runId },
        `progressive-${phase}`,
        [...b.PHASES[phase].workflows],
      );
      const r = await b.runPhase(
        phase,
        {
          ...base,
          reportedCommit: o.reportedCommit ?? null,
          branch: o.branch ?? null,
          skipPreflight: !!o.skipPreflight,
          probe: o.probe,
        },
        !!o.force,
      );
      emit(r, o, true, b.phaseText);
      process.exitCode = r.exit_code;
    });

  runOptions(cmd.command('run'), 4)
    .description(
      'run workflows × prompts as dx-runner jobs; writes <run>/manifest.json and raw/ ' +
        '(prints {run_id, run_dir, record_count})',
    )
    .option('--workflows <list>', 'comma list (default: the three OpenCode workflows)')
    .action(async (o: RunFlags) => {
      const b = await bench();
      const opts = await toRunOptions(o, 'run', b.OPENCODE_WORKFLOWS);
      if (opts.requiredBaseline) {
        const { baselineGate } = await import('../governance/index.js');
        const gate = baselineGate(opts.cwd, opts.requiredBaseline);
        if (!gate.passed) {
          const failed = {
            run_id: opts.runId,
            passed: false,
            reason_code: 'baseline_gate_failed',
            baseline_gate: gate,
          };
          emit(failed, o, true, (f) => `${f.reason_code}: ${gate.reason_code} (${gate.details})`);
          process.exitCode = b.BENCH_EXIT.baseline;
          return;
        }
      }
      const { runDir, records } = await b.runBench(opts);
      emit({ run_id: opts.runId, run_dir: runDir, record_count: records.length }, o, true, fieldLines);
      if (!records.length) process.exitCode = b.BENCH_EXIT.noRecords;
    });

  cmd
    .command('collect')
    .description('raw/*.json → collected/results.json (aggregates) and records.ndjson; exit 6 when it cannot')
    .requiredOption('--run-dir <dir>', 'the folder bench run wrote')
    .option('--out-json <file>', 'default <run>/collected/results.json')
    .option('--out-ndjson <file>', 'default <run>/collected/records.ndjson')
    .option('--json', JSON_HELP)
    .action(async (o: { runDir: string; outJson?: string; outNdjson?: string; json?: boolean }) => {
      const b = await bench();
      const { results, resultsJson } = b.collectRun(
        path.resolve(o.runDir),
        o.outJson && path.resolve(o.outJson),
        o.outNdjson && path.resolve(o.outNdjson),
      );
      const out = { run_id: results.run_id, records: results.record_count, results_json: resultsJson };
      emit(out, o, true, fieldLines);
    });

  cmd
    .command('summarize')
    .description('results.json → summary.json, summary.md and report.html (self-contained); exit 7 when it cannot')
    .requiredOption('--results-json <file>', 'the file bench collect wrote')
    .option('--out-md <file>', 'default summary.md beside it')
    .option('--out-json <file>', 'default summary.json beside it')
    .option('--out-html <file>', 'default report.html beside it')
    .option('--json', JSON_HELP)
    .action(async (o: { resultsJson: string; outMd?: string; outJson?: string; outHtml?: string; json?: boolean }) => {
      const b = await bench();
      const abs = (f?: string) => (f ? path.resolve(f) : undefined);
      const { summary, files } = b.summarizeRun(path.resolve(o.resultsJson), {
        md: abs(o.outMd),
        json: abs(o.outJson),
        html: abs(o.outHtml),
      });
      emit({ run_id: summary.run_id, ...files }, o, true, fieldLines);
    });
}
