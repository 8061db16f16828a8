import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DxError } from '../core/errors.js';
import type { ReasonCode } from '../core/reasons.js';
import { sleep } from '../core/time.js';
import { redact } from '../governance/index.js';
import { filesOf, finalizeJob } from '../jobs/finalize.js';
import { claimAndEnd } from '../jobs/restart.js';
import { startJob } from '../jobs/start.js';
import { Store, type JobRecord } from '../store/index.js';
import { getProvider } from '../providers/index.js';
import { evaluate } from '../report/index.js';
import { startServer, stopServer } from '../server/index.js';
import {
  classifyAttempt,
  dryRunAttempt,
  extractText,
  hintMatchRatio,
  selectPrompts,
  WORKFLOWS,
  workflowKind,
} from './decide.js';
import { Progress } from './progress.js';
import {
  manifestSchema,
  promptSetSchema,
  recordSchema,
  type AttemptRecord,
  type BenchRecord,
  type Manifest,
  type Prompt,
  type PromptSet,
} from './schemas.js';

export const DEFAULT_PROMPTS_FILE = fileURLToPath(new URL('../../configs/bench/prompts.json', import.meta.url));
export const DEFAULT_OUTPUT_DIR = 'artifacts/opencode-dispatch-bench';
export const OPENCODE_WORKFLOWS = ['opencode_run_headless', 'opencode_server_http', 'opencode_server_attach_run'];

const iso = (ms: number) => new Date(ms).toISOString();
export const stamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

/** Reads and validates a prompt set: one clear error naming the first problem. */
export function loadPromptSet(file: string): PromptSet {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `is not JSON (${(e as Error).message})`;
    throw new DxError(
      'prompt_set_invalid',
      `prompts file ${file} ${why}; pass a JSON prompt set with --prompts-file (see dx-runner schema bench-prompts)`,
    );
  }
  const parsed = promptSetSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DxError(
      'prompt_set_invalid',
      `prompts file ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}; fix it (see dx-runner schema bench-prompts)`,
    );
  }
  return parsed.data;
}

export function parseWorkflows(list: string | undefined, fallback: string[]): string[] {
  const wfs = list
    ? [
        ...new Set(
          list
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ]
    : fallback;
  const unknown = wfs.filter((w) => !WORKFLOWS[w]);
  if (unknown.length || !wfs.length) {
    throw new DxError(
      'unknown_workflow',
      `unknown workflow(s) ${unknown.join(', ') || '(none given)'}; use: ${Object.keys(WORKFLOWS).join(', ')}`,
    );
  }
  return wfs;
}

/**
 * Each workflow's model: `--model-for wf=model`, else `--model` for the OpenCode workflows, else the
 * provider's own canonical model (another provider never gets OpenCode's model). Undefined when the
 * provider is not registered: preflight reports that.
 */
export function workflowModels(
  workflows: string[],
  model: string | undefined,
  modelFor: Record<string, string>,
): Record<string, string | undefined> {
  return Object.fromEntries(
    workflows.map((wf) => {
      const { provider } = WORKFLOWS[wf];
      if (modelFor[wf]) return [wf, modelFor[wf]];
      if (model && provider === 'opencode') return [wf, model];
      try {
        return [wf, getProvider(provider).defaultModel];
      } catch {
        return [wf, undefined];
      }
    }),
  );
}

export function parseModelFor(pairs: string[], workflows: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const m = /^([^=]+)=(.+)$/.exec(p);
    if (!m || !workflows.includes(m[1]))
      throw new DxError(
        'invalid_model_for',
        `--model-for takes <workflow>=<model> for one of the run's workflows (${workflows.join(', ')}), got '${p}'`,
      );
    out[m[1]] = m[2];
  }
  return out;
}

export interface RunOptions {
  runId: string;
  outputDir: string;
  cwd: string;
  workflows: string[];
  models: Record<string, string | undefined>;
  promptsFile: string;
  promptIds?: string[];
  parallel: number;
  maxRetries: number;
  timeoutSec: number;
  stallThresholdSec: number;
  pollIntervalSec: number;
  dryRun: boolean;
  keepWorktrees: boolean;
  requiredBaseline: string | null;
  env: NodeJS.ProcessEnv;
}

export const runDirOf = (o: Pick<RunOptions, 'outputDir' | 'cwd' | 'runId'>) =>
  path.resolve(o.cwd, o.outputDir, o.runId);

export function validateRunOptions(o: RunOptions): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.runId))
    throw new DxError('invalid_run_id', `run id '${o.runId}' must be letters, digits, '.', '_' or '-'`);
  for (const [flag, v, min] of [
    ['--parallel', o.parallel, 1],
    ['--max-retries', o.maxRetries, 0],
    ['--timeout-sec', o.timeoutSec, 1],
    ['--stall-threshold-sec', o.stallThresholdSec, 1],
  ] as const) {
    if (!Number.isFinite(v) || v < min)
      throw new DxError('invalid_number', `${flag} must be a number ≥ ${min}, got ${v}`);
  }
  if (!(o.pollIntervalSec >= 0.1))
    throw new DxError('invalid_number', `--poll-interval-sec must be ≥ 0.1, got ${o.pollIntervalSec}`);
}

/** Validates a run's options and prompt set (bad input fails here, before preflight or any job). */
export function prepareRun(o: RunOptions): Prompt[] {
  validateRunOptions(o);
  const set = loadPromptSet(o.promptsFile);
  const prompts = selectPrompts(set.prompts, o.promptIds);
  if (typeof prompts === 'string') throw new DxError('unknown_prompt_id', `${prompts}; see ${o.promptsFile}`);
  return prompts;
}

interface Job {
  workflow: string;
  prompt: Prompt;
}

interface Ctx {
  o: RunOptions;
  runDir: string;
  rawDir: string;
  home: string;
  store: Store | null;
  jobEnv: NodeJS.ProcessEnv;
  server: { startupMs: number; error: ReasonCode | null } | null;
  progress: Progress;
  /** per provider, the first start: it fills the model-list cache the later starts read */
  firstStart: Map<string, Promise<unknown>>;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' }).toString();

const freePort = () =>
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
      Math.min(o.stallThresholdSec, Number(o.env.DX_RUNNER_STARTUP_GRACE_SEC) || Infinity),
    ),
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
  fs.writeFileSync(promptFile, job.prompt.prompt);
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
  ctx.progress.finished(
    job.workflow,
    record.success,
    `${key} ${record.success ? 'ok' : `fail:${record.failure_category}/${record.failure_reason}`} ${record.completion_latency_ms ?? '-'}ms attempts=${attempts.length}`,
  );
  return record;
}

function dryAttempt(ctx: Ctx, job: Job, n: number): AttemptRecord {
  const seed = crypto.createHash('sha256').update(`${ctx.o.runId}:${job.workflow}:${job.prompt.id}:${n}`).digest('hex');
  const d = dryRunAttempt(seed, n);
  const now = Date.now();
  return {
    ...blankAttempt(n, now),
    success: d.success,
    return_code: d.rc,
    state: d.success ? 'exited_ok' : 'exited_err',
    reason_code: 'dry_run_simulated',
    startup_latency_ms: d.startup,
    first_output_latency_ms: d.first,
    completion_latency_ms: d.completion,
    failure_category: d.category,
    failure_reason: d.success ? null : 'dry_run_simulated',
    attempt_completed_at: iso(now + d.completion),
  };
}

const blankAttempt = (n: number, t0: number): AttemptRecord => ({
  attempt: n,
  beads: null,
  success: false,
  return_code: null,
  timed_out: false,
  stall_detected: false,
  state: null,
  reason_code: null,
  startup_latency_ms: null,
  first_output_latency_ms: null,
  completion_latency_ms: null,
  failure_category: null,
  failure_reason: null,
  hint_match_ratio: 0,
  session_id: null,
  tokens_in: 0,
  tokens_out: 0,
  mutations: 0,
  used_model_fallback: false,
  stdout_log: null,
  stderr_log: null,
  attempt_started_at: iso(t0),
  attempt_completed_at: iso(t0),
});

/** One attempt = one real dx-runner job in its own worktree, polled until its health is terminal. */
async function runAttempt(ctx: Ctx, job: Job, n: number, promptFile: string): Promise<AttemptRecord> {
  const { o } = ctx;
  const store = ctx.store as Store;
  const { provider, lane } = WORKFLOWS[job.workflow];
  const key = `${job.workflow}__${job.prompt.id}__attempt${n}`;
  const beads = `bench.${job.workflow}.${job.prompt.id}.a${n}`;
  const worktree = path.join(ctx.runDir, 'worktrees', key);
  const t0 = Date.now();
  const rec = blankAttempt(n, t0);
  let record: JobRecord | null = null;
  let launchError: { reasonCode: string; harness: boolean } | null = null;
  let timedOut = false;
  let stalled = false;
  try {
    if (lane !== 'headless' && ctx.server?.error)
      throw new DxError(ctx.server.error, 'the shared opencode server did not start', 'environment');
    git(o.cwd, 'worktree', 'add', '-q', '--detach', worktree, 'HEAD');
    // parallel first starts would each list the provider's models (a whole CLI boot each): let one go first
    const first = ctx.firstStart.get(provider);
    if (first) await first.catch(() => undefined);
    const starting = startJob(store, ctx.home, {
      beads,
      provider,
      lane,
      promptFile,
      worktree,
      model: o.models[job.workflow],
      stallMinutes: o.stallThresholdSec / 60,
      waitSec: o.timeoutSec,
      env: ctx.jobEnv,
      cwd: o.cwd,
    });
    if (!first) ctx.firstStart.set(provider, starting);
    record = await starting;
    rec.startup_latency_ms = Date.now() - t0;
    for (;;) {
      const j = store.jobs.get(record.id) as JobRecord;
      if (!j.active) break;
      const e = evaluate(j);
      if (!e.alive)
        finalizeJob(store, j); // ended: record it now rather than wait for the supervisor
      else if (e.health.state === 'stalled') {
        stalled = await claimAndEnd(store, j, { state: 'killed', reasonCode: 'stalled_run', exitCode: 137 });
      } else if (Date.now() - t0 > o.timeoutSec * 1000) {
        timedOut = await claimAndEnd(store, j, { state: 'killed', reasonCode: 'bench_timeout', exitCode: 137 });
      } else await sleep(o.pollIntervalSec * 1000);
    }
    record = store.jobs.get(record.id) as JobRecord;
  } catch (e) {
    launchError =
      e instanceof DxError
        ? { reasonCode: e.reasonCode, harness: false }
        : { reasonCode: (e as Error).message, harness: true };
    rec.reason_code = e instanceof DxError ? e.reasonCode : 'exception_harness';
  }
  const done = record?.completedAt ?? Date.now();
  const verdict = classifyAttempt({
    launchError,
    outcomeState: record?.outcomeState ?? null,
    outcomeReason: record?.outcomeReason ?? null,
    exitCode: record?.exitCode ?? null,
    timedOut,
    stalled,
  });
  rec.success = verdict.category === null;
  rec.failure_category = verdict.category;
  rec.failure_reason = verdict.reason;
  rec.timed_out = timedOut;
  rec.stall_detected = stalled;
  rec.completion_latency_ms = done - t0;
  rec.attempt_completed_at = iso(done);
  if (record) {
    const files = filesOf(record);
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
    const out = read(files.out);
    rec.beads = beads;
    rec.return_code = record.exitCode;
    rec.state = evaluate(record).health.state;
    rec.reason_code = record.outcomeReason;
    rec.first_output_latency_ms = record.firstOutputAt === null ? null : Math.max(0, record.firstOutputAt - t0);
    rec.hint_match_ratio = hintMatchRatio(extractText(out), job.prompt.success_hints);
    rec.session_id = record.sessionId;
    rec.tokens_in = record.tokensIn;
    rec.tokens_out = record.tokensOut;
    rec.mutations = record.mutations;
    rec.stdout_log = `raw/${key}.stdout.log`;
    rec.stderr_log = `raw/${key}.stderr.log`;
    fs.writeFileSync(path.join(ctx.runDir, rec.stdout_log), redact(out));
    fs.writeFileSync(path.join(ctx.runDir, rec.stderr_log), redact(read(files.err)));
  }
  // the folder goes now (cheap, off the queue's critical path); git forgets it in one prune at the end
  if (!o.keepWorktrees) fs.rmSync(worktree, { recursive: true, force: true });
  return rec;
}
