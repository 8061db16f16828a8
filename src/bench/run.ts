import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import { envNumber, LIMITS } from '../core/input.js';
import { Store } from '../store/index.js';
import { startServer, stopServer } from '../server/index.js';
import { dryAttempt, git, iso, runAttempt, type Ctx, type Job } from './attempt.js';
import { WORKFLOWS, workflowKind } from './decide.js';
import { prepareRun, runDirOf, type RunOptions } from './options.js';
import { Progress } from './progress.js';
import { manifestSchema, recordSchema, type AttemptRecord, type BenchRecord, type Manifest } from './schemas.js';

/** A free TCP port on the loopback interface, for a server started next. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

/**
 * `bench run`: every workflow × prompt as real dx-runner jobs in a private state home under the run
 * folder, one git worktree per attempt, `parallel` at a time. Writes manifest.json and raw/ records.
 */
export async function runBench(o: RunOptions): Promise<{ runDir: string; records: BenchRecord[] }> {
  const prompts = prepareRun(o);
  const runDir = runDirOf(o);
  const rawDir = path.join(runDir, 'raw');
  fs.mkdirSync(rawDir, { recursive: true });
  const home = path.join(runDir, 'home');
  const manifest: Manifest = manifestSchema.parse({
    run_id: o.runId,
    created_at: iso(Date.now()),
    workflows: o.workflows,
    models: Object.fromEntries(o.workflows.map((w) => [w, o.models[w] ?? 'unresolved'])),
    parallel: o.parallel,
    max_retries: o.maxRetries,
    timeout_sec: o.timeoutSec,
    stall_threshold_sec: o.stallThresholdSec,
    dry_run: o.dryRun,
    cwd: o.cwd,
    prompts_file: path.resolve(o.promptsFile),
    prompt_ids: prompts.map((p) => p.id),
    governance: { required_baseline: o.requiredBaseline },
  });
  fs.writeFileSync(path.join(runDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  // the bench's queue decides the parallelism; in its private home the per-provider caps only need to allow it
  const caps = Object.fromEntries(
    [...new Set(o.workflows.map((w) => WORKFLOWS[w].provider))]
      .map((p) => `DX_RUNNER_MAX_PARALLEL_${p.toUpperCase().replace(/-/g, '_')}`)
      .filter((k) => !o.env[k])
      .map((k) => [k, String(o.parallel)]),
  );
  const jobEnv: NodeJS.ProcessEnv = {
    ...o.env,
    ...caps,
    DX_RUNNER_HOME: home,
    DX_RUNNER_EXTRA_ALLOWED_PREFIXES: [o.env.DX_RUNNER_EXTRA_ALLOWED_PREFIXES, runDir].filter(Boolean).join(','),
    // a job with no output and no CPU progress is stalled after the threshold, even while it starts up
    DX_RUNNER_STARTUP_GRACE_SEC: String(
      Math.min(o.stallThresholdSec, envNumber(o.env, 'DX_RUNNER_STARTUP_GRACE_SEC', LIMITS.seconds, Infinity)),
    ),
    // each workflow names its lane, and the server lanes run on the bench's own server, not the caller's
    OPENCODE_EXECUTION_MODE: undefined,
    OPENCODE_ATTACH_URL: undefined,
  };
  const jobs: Job[] = o.workflows.flatMap((workflow) => prompts.map((prompt) => ({ workflow, prompt })));
  const ctx: Ctx = {
    o,
    runDir,
    rawDir,
    home,
    store: o.dryRun ? null : new Store(home),
    jobEnv,
    server: null,
    progress: new Progress(o.workflows, prompts.length),
    firstStart: new Map(),
  };
  try {
    if (ctx.store && o.workflows.some((w) => WORKFLOWS[w].lane !== 'headless')) {
      const t0 = Date.now();
      try {
        await startServer(ctx.store, home, {
          hostname: '127.0.0.1',
          port: await freePort(),
          allowRemote: false,
          env: jobEnv,
        });
        ctx.server = { startupMs: Date.now() - t0, error: null };
      } catch (e) {
        ctx.server = {
          startupMs: Date.now() - t0,
          error: e instanceof DxError ? e.reasonCode : 'server_start_failed',
        };
      }
    }
    const records: BenchRecord[] = [];
    const queue = [...jobs];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) records.push(await runJob(ctx, job));
    };
    await Promise.all(Array.from({ length: Math.min(o.parallel, jobs.length) }, worker));
    records.sort((a, b) => a.workflow_id.localeCompare(b.workflow_id) || a.prompt_id.localeCompare(b.prompt_id));
    return { runDir, records };
  } finally {
    ctx.progress.end();
    if (ctx.store) {
      await stopServer(ctx.store);
      ctx.store.close();
      if (!o.keepWorktrees) {
        try {
          git(o.cwd, 'worktree', 'prune');
        } catch {
          // not fatal: `git worktree prune` later does the same
        }
      }
    }
  }
}

/** One job: up to max_retries + 1 attempts, each a new dx-runner job; the last attempt decides. */
async function runJob(ctx: Ctx, job: Job): Promise<BenchRecord> {
  const { o } = ctx;
  const key = `${job.workflow}__${job.prompt.id}`;
  const { provider, lane } = WORKFLOWS[job.workflow];
  const promptFile = path.join(ctx.rawDir, `${key}.prompt.txt`);
  fs.writeFileSync(promptFile, job.prompt.prompt, { mode: 0o600 });
  const started = Date.now();
  const attempts: AttemptRecord[] = [];
  ctx.progress.started(job.workflow);
  for (let n = 0; n <= o.maxRetries; n++) {
    const a = o.dryRun ? dryAttempt(ctx, job, n) : await runAttempt(ctx, job, n, promptFile);
    attempts.push(a);
    if (a.success) break;
  }
  const last = attempts[attempts.length - 1];
  const model = o.models[job.workflow] ?? 'unresolved';
  const record = recordSchema.parse({
    run_id: o.runId,
    workflow_id: job.workflow,
    system: provider,
    workflow_kind: workflowKind(lane),
    lane,
    prompt_id: job.prompt.id,
    prompt_category: job.prompt.category,
    prompt_title: job.prompt.title,
    model,
    model_selected: model,
    fallback_reason: null, // the model policy never switches models silently
    success: last.success,
    retry_count: attempts.length - 1,
    startup_latency_ms: last.startup_latency_ms,
    first_output_latency_ms: last.first_output_latency_ms,
    completion_latency_ms: last.completion_latency_ms,
    workflow_startup_latency_ms: lane === 'headless' ? 0 : (ctx.server?.startupMs ?? 0),
    timed_out: last.timed_out,
    stall_detected: last.stall_detected,
    stall_reason: last.stall_detected ? 'no_output_no_progress' : null,
    failure_category: last.failure_category,
    failure_reason: last.failure_reason,
    hint_match_ratio: last.hint_match_ratio,
    session_id: last.session_id,
    tokens_in: last.tokens_in,
    tokens_out: last.tokens_out,
    used_model_fallback: false,
    job_started_at: iso(started),
    job_completed_at: iso(Date.now()),
    attempts,
  });
  fs.writeFileSync(path.join(ctx.rawDir, `${key}.json`), `${JSON.stringify(record, null, 2)}\n`);
  const verdict = record.success ? 'ok' : `fail:${record.failure_category}/${record.failure_reason}`;
  ctx.progress.finished(
    job.workflow,
    record.success,
    `${key} ${verdict} ${record.completion_latency_ms ?? '-'}ms attempts=${attempts.length}`,
  );
  return record;
}
