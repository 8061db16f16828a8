import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { CLI_ENTRY } from '../core/detached.js';
import { DxError } from '../core/errors.js';
import { kindOf, type ReasonCode } from '../core/reasons.js';
import type { FleetWorkerRef, Store } from '../store/index.js';
import { launchAnswerSchema, launchRequestSchema, type FleetJobData, type LaunchAnswer } from './data.js';
import { launchLocal } from './local.js';
import { RepoCache } from './repoCache.js';

/**
 * A worker's launcher: one long-lived `dx-runner __fleet-launch` process, spawned when the worker starts, that
 * makes each attempt's worktree and starts its local run. A start checks and records the job with sync git and
 * SQLite, for seconds on a loaded host: out of the worker's process its event loop keeps renewing the engine's
 * locks, and one process for all starts spares each start a node boot. Starts go as JSON lines on its stdin, its
 * answers come back as JSON lines on its stdout, matched by id. A launcher that died is spawned again by the next
 * start; the starts it had not answered are refused (internal_error), as a start's own crash would be.
 */

export interface LauncherOptions {
  home: string;
  repoCache: string;
  env: NodeJS.ProcessEnv;
  /** dx-runner's command line entry (default: this one's; the tests, run from source, name the built one) */
  cli?: string;
}

export interface Launched {
  job_id: number;
  branch: string;
}

interface Pending {
  beads: string;
  child: ChildProcess;
  resolve: (l: Launched) => void;
  reject: (e: DxError) => void;
}

/** Pure: a refusal as the launcher answered it, a DxError again (an unknown reason code is internal_error). */
export const refusalOf = (e: { reason_code: string; message: string }) =>
  new DxError(kindOf(e.reason_code) ? (e.reason_code as ReasonCode) : 'internal_error', e.message);

/** The worker's side: the launcher process, spawned now and again whenever a start finds it gone. */
export class Launcher {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private lastId = 0;

  constructor(private readonly o: LauncherOptions) {
    this.child = this.spawn();
  }

  /** The launcher's PID now (null: none running until the next start). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Starts the attempt's local run in the launcher; a refusal comes back as the DxError it was there. */
  launch(job: FleetJobData, attempt: number, worker: FleetWorkerRef | undefined): Promise<Launched> {
    const child = (this.child ??= this.spawn());
    const id = ++this.lastId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { beads: job.beads, child, resolve, reject });
      child.stdin?.write(`${JSON.stringify({ id, job, attempt, ...(worker ? { worker } : {}) })}\n`);
    });
  }

  /** Ends the launcher once the starts it has are answered (its stdin closes; it exits when they are done). */
  close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.stdin?.end();
    });
  }

  private spawn(): ChildProcess {
    const child = spawn(
      process.execPath,
      [this.o.cli ?? CLI_ENTRY, '__fleet-launch', '--repo-cache', this.o.repoCache],
      {
        env: { ...this.o.env, DX_RUNNER_HOME: this.o.home, DX_RUNNER_QUIET: '1' },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    // a launcher gone mid-write: its exit below answers the starts it had
    child.stdin?.on('error', () => undefined);
    readline.createInterface({ input: child.stdout as Readable }).on('line', (line) => this.answer(line));
    // gone: the next start spawns another; once its stdout is read to the end, its unanswered starts are refused
    child.once('exit', () => this.child === child && (this.child = null));
    child.once('close', (code, signal) => this.lost(child, `ended (${signal ?? `exit ${code}`})`));
    child.once('error', (e) => this.lost(child, `failed (${e.message})`));
    return child;
  }

  private answer(line: string): void {
    const parsed = launchAnswerSchema.safeParse(safeJson(line));
    // anything else on its stdout is what a start printed: the worker's output shows it
    if (!parsed.success) return void process.stdout.write(`${line}\n`);
    const a = parsed.data;
    const p = this.pending.get(a.id);
    if (!p) return;
    this.pending.delete(a.id);
    if ('error' in a) p.reject(refusalOf(a.error));
    else p.resolve({ job_id: a.job_id, branch: a.branch });
  }

  private lost(child: ChildProcess, how: string): void {
    if (this.child === child) this.child = null;
    for (const [id, p] of this.pending)
      if (p.child === child) {
        this.pending.delete(id);
        p.reject(new DxError('internal_error', `the launcher ${how} before it answered the start of ${p.beads}`));
      }
  }
}

const safeJson = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
};

/**
 * The launcher's side (`dx-runner __fleet-launch`): answers each start read from `input`, several at once (a start
 * may wait for the host's cap of its provider), and resolves once `input` has ended and every start is answered.
 */
export async function serveLaunches(
  store: Store,
  home: string,
  repoCache: string,
  env: NodeJS.ProcessEnv,
  input: Readable,
  write: (line: string) => void,
): Promise<void> {
  const cache = new RepoCache(repoCache);
  const starts: Promise<void>[] = [];
  const serve = async (line: string) => {
    const request = launchRequestSchema.safeParse(safeJson(line)).data;
    // only a worker writes here: a line it did not mean as a start has no id to answer
    if (!request) return void process.stderr.write(`launcher: not a start, ignored: ${line.slice(0, 200)}\n`);
    const answer: LaunchAnswer = await launchLocal(store, home, cache, request, env).then(
      (l) => ({ id: request.id, ...l }),
      (e: unknown) => ({ id: request.id, error: errorOf(e) }),
    );
    write(JSON.stringify(answer));
  };
  for await (const line of readline.createInterface({ input })) if (line.trim()) starts.push(serve(line));
  await Promise.all(starts);
}

/** Pure: how a start's failure crosses the pipe: a refusal as it is, anything else as internal_error's one line. */
export const errorOf = (e: unknown) =>
  e instanceof DxError
    ? { reason_code: e.reasonCode, message: e.message }
    : { reason_code: 'internal_error', message: `the local start failed: ${firstLine(e)}` };

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split('\n')[0];
