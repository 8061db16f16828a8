import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import type { ReasonCode } from '../core/reasons.js';
import { sleep } from '../core/time.js';
import { redact } from '../governance/index.js';
import { finalizeJob } from '../jobs/finalize.js';
import { filesOf } from '../jobs/paths.js';
import { claimAndEnd } from '../jobs/restart.js';
import { startJob } from '../jobs/start.js';
import type { JobRecord, Store } from '../store/index.js';
import { evaluate } from '../jobs/evaluate.js';
import { classifyAttempt, dryRunAttempt, extractText, hintMatchRatio, WORKFLOWS } from './decide.js';
import type { RunOptions } from './options.js';
import type { Progress } from './progress.js';
import type { AttemptRecord, Prompt } from './schemas.js';

/** One attempt of a workflow × prompt: a real dx-runner job, or the figures of a dry run. */

export const iso = (ms: number) => new Date(ms).toISOString();

export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' }).toString();

/** A workflow × prompt of the run. */
export interface Job {
  workflow: string;
  prompt: Prompt;
}

/** The run an attempt belongs to. */
export interface Ctx {
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

export function dryAttempt(ctx: Ctx, job: Job, n: number): AttemptRecord {
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
export async function runAttempt(ctx: Ctx, job: Job, n: number, promptFile: string): Promise<AttemptRecord> {
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
        stalled = !!(await claimAndEnd(store, j, { state: 'killed', reasonCode: 'stalled_run', exitCode: 137 }));
      } else if (Date.now() - t0 > o.timeoutSec * 1000) {
        timedOut = !!(await claimAndEnd(store, j, { state: 'killed', reasonCode: 'bench_timeout', exitCode: 137 }));
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
