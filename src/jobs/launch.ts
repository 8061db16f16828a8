import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DxError, hasKind } from '../core/errors.js';
import { envNumber } from '../core/input.js';
import { emptySummary } from '../health/index.js';
import { prepareSetup } from '../providers/setup.js';
import type { LaunchSpec } from '../providers/types.js';
import { NEW_JOB_FIELDS, stateFault, type JobRecord, type NewJob, type Store } from '../store/index.js';
import { finalizeJob } from './finalize.js';
import { filesIn, jobDir } from './paths.js';
import type { ProviderTry, RunWarning } from './plan.js';
import { endGroupNow, isAlive, processStartTime } from './process.js';
import { RUN_MARKER } from '../core/detached.js';
import { spawnSelfDetached } from '../core/detached.js';
import { step } from '../core/progress.js';
import { sleep } from '../core/time.js';

/**
 * The agent runs under `sh`, which records its exit code and time in the rc file when it ends,
 * so the outcome survives even if no dx-runner process is alive at that moment. The umask is set once the agent
 * has ended: the rc file is private like the rest of the run folder, what the agent writes keeps the user's.
 */
const WRAPPER =
  'rc_file=$1; shift; "$@"; rc=$?; umask 077; ' +
  'printf "%s %s\\n" "$rc" "$(date +%s)" > "$rc_file.tmp" && mv "$rc_file.tmp" "$rc_file"; exit $rc';

/** a job with no pid yet is another `start` mid-launch; after this long it is a leftover */
const LAUNCH_WINDOW_MS = 60_000;

/** a live run, or one another `start` is launching right now */
export const occupies = (j: JobRecord) =>
  (j.pid === null && Date.now() - j.startedAt < LAUNCH_WINDOW_MS) || isAlive(j.pid, j.pidStart);

function runInstance(provider: string): string {
  const ts = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${ts}-${provider}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}

/** What a run is launched with; kept in the run folder (0600) so a restart relaunches it exactly. */
/** What each run of a job has anew (the rest of a new job's record is carried over by a relaunch). */
const PER_RUN = ['runInstance', 'dir', 'startedAt', 'host'] as const;

export interface Launch {
  run: Omit<NewJob, (typeof PER_RUN)[number]>;
  prompt: string;
  /** `setup` (a provider's private home) is made before the first run only, and not kept */
  spec: Pick<LaunchSpec, 'command' | 'args' | 'env' | 'setup'>;
  /** the providers start tried for this job (recorded as `preflight` events of the new run) */
  tried?: ProviderTry[];
  /** checks start could not make (recorded as `warning` events of the new run) */
  warnings?: RunWarning[];
}

const LAUNCH_FILE = 'launch.json';

type RunField = Exclude<(typeof NEW_JOB_FIELDS)[number], (typeof PER_RUN)[number]>;
/** The fields of a recorded run that a relaunch starts from: all start records but what each run has anew. */
const RUN_FIELDS = NEW_JOB_FIELDS.filter((k): k is RunField => !(PER_RUN as readonly string[]).includes(k));

export function readLaunch(job: JobRecord): Launch {
  const saved = JSON.parse(fs.readFileSync(path.join(job.dir, LAUNCH_FILE), 'utf8')) as Pick<Launch, 'spec'>;
  return {
    run: Object.fromEntries(RUN_FIELDS.map((k) => [k, job[k]])) as Launch['run'],
    prompt: fs.readFileSync(path.join(job.dir, 'prompt.txt'), 'utf8'),
    spec: saved.spec,
  };
}

/** The shared server a run's command talks to (attach and server lanes), from its launch; null on headless. */
export function launchServer(spec: Launch['spec']): { url: string; password: string | undefined } | null {
  const i = spec.args.findIndex((a) => a === '--url' || a === '--attach');
  return i >= 0 ? { url: spec.args[i + 1], password: spec.env.OPENCODE_SERVER_PASSWORD } : null;
}

/** Runs of one bead kept on disk (DX_RUNNER_KEEP_RUNS, default 5); older run folders go when a new run starts. */
const keepRuns = () => envNumber(process.env, 'DX_RUNNER_KEEP_RUNS', { integer: true, min: 1, max: 1_000 }, 5);

function rotateRuns(beadDir: string, keep: number): void {
  let runs: string[];
  try {
    runs = fs.readdirSync(beadDir).sort(); // run instances start with a UTC timestamp
  } catch {
    return;
  }
  for (const old of runs.slice(0, Math.max(0, runs.length - keep)))
    fs.rmSync(path.join(beadDir, old), { recursive: true, force: true });
}

/**
 * Records a run (one live run per bead, atomically) and launches it detached with its supervisor.
 * `supersedes`: the run this one replaces must still be the bead's newest, or someone else relaunched it.
 */
export function launchRun(store: Store, home: string, launch: Launch, supersedes?: number): JobRecord {
  const { beads, provider } = launch.run;
  const instance = runInstance(provider);
  const dir = jobDir(home, beads, instance);
  const keep = keepRuns(); // a bad value is refused before anything is recorded

  const jobId = store.transaction(() => {
    if (supersedes !== undefined && store.jobs.latest(beads)?.id !== supersedes) {
      throw new DxError(
        'restart_in_progress',
        `${beads} was already relaunched by another process; check it with dx-runner check --beads ${beads}`,
      );
    }
    const active = store.jobs.active(beads);
    if (active) {
      if (occupies(active)) {
        const pid = active.pid ?? 'starting';
        throw new DxError(
          'job_already_running',
          `bead ${beads} already has a running job (pid ${pid}); stop it first with: dx-runner stop --beads ${beads}`,
        );
      }
      finalizeJob(store, active); // a leftover whose process is gone: record how it ended
    }
    // counted and claimed under the same write lock: parallel starts cannot all slip under the cap
    const running = store.jobs.activeOf(provider).filter(occupies).length;
    const cap = launch.run.settings.maxParallel;
    if (running >= cap) {
      const variable = `DX_RUNNER_MAX_PARALLEL_${provider.toUpperCase().replace(/-/g, '_')}`;
      throw new DxError(
        'provider_concurrency_cap_exceeded',
        `provider '${provider}' already runs ${running}/${cap} jobs; wait for one to finish (start --wait <sec>), ` +
          `raise ${variable}, or use another provider`,
      );
    }
    const id = store.jobs.insert({
      ...launch.run,
      runInstance: instance,
      dir,
      host: os.hostname().split('.')[0],
      startedAt: Date.now(),
    });
    for (const t of launch.tried ?? []) store.events.append(id, { kind: 'preflight', ...t });
    for (const w of launch.warnings ?? []) store.events.append(id, { kind: 'warning', ...w });
    return id;
  });

  const files = filesIn(dir);
  const { spec } = launch;
  let agent: number | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    rotateRuns(path.dirname(dir), keep);
    // the prompt and launch as sent: later edits to the prompt file cannot change what this run was given
    fs.writeFileSync(path.join(dir, 'prompt.txt'), launch.prompt, { mode: 0o600 });
    fs.writeFileSync(
      path.join(dir, LAUNCH_FILE),
      JSON.stringify({ spec: { command: spec.command, args: spec.args, env: spec.env } }),
      { mode: 0o600 },
    );
    prepareSetup(spec.setup);
    const stdin = fs.openSync(path.join(dir, 'prompt.txt'), 'r');
    const out = fs.openSync(files.out, 'a', 0o600);
    const err = fs.openSync(files.err, 'a', 0o600);
    const child = spawn('/bin/sh', ['-c', WRAPPER, 'dx-runner-job', files.rc, spec.command, ...spec.args], {
      cwd: launch.run.worktree,
      // the run marker: every process of the run carries it, so ending the run finds them wherever they moved
      env: { ...spec.env, [RUN_MARKER]: instance },
      detached: true, // own session and process group: terminals cannot signal the run
      stdio: [stdin, out, err],
    });
    for (const fd of [stdin, out, err]) fs.closeSync(fd);
    if (!child.pid) throw new Error('spawn returned no pid');
    agent = child.pid;
    child.unref();
    store.jobs.setLaunched(jobId, child.pid, processStartTime(child.pid), null);
    const supervisor = spawnSelfDetached('__supervise', jobId, { home, log: path.join(dir, 'supervisor.log') });
    if (!supervisor.pid) throw new Error('its supervisor could not be started');
    store.jobs.setSupervisor(jobId, supervisor.pid);
  } catch (e) {
    // all or nothing: an agent is never left running without its supervisor and its record
    if (agent) endGroupNow(agent);
    try {
      // never left looking alive, never a success
      store.jobs.finalize(
        jobId,
        { state: 'failed', reasonCode: 'spawn_failed', exitCode: null },
        { completedAt: Date.now(), mutations: 0, outputBytes: 0, summary: emptySummary() },
      );
    } catch {
      // the database cannot take it either (its disk full): the run's process is gone, so its next reader
      // (check, prune, the watchdog) finalizes it
    }
    throw (
      stateFault(e, home) ??
      new DxError(
        'spawn_failed',
        `could not launch ${provider}: ${(e as Error).message}; check the binary and the state directory`,
      )
    );
  }
  return store.jobs.get(jobId) as JobRecord;
}

/**
 * New work on a provider paused after a 429 waits until the pause ends (another job's 429 may extend it), saying
 * so: a start is not refused for a pause of seconds to minutes, and launching into it would only fail again.
 */
async function waitOutPause(store: Store, provider: string): Promise<void> {
  const until = () => store.pauses.get(provider)?.until ?? 0;
  if (until() <= Date.now()) return;
  const label = `${provider} is paused after a rate limit (429) until ${new Date(until()).toISOString()}; waiting`;
  await step(
    label,
    async () => {
      while (Date.now() < until()) await sleep(Math.min(1000, until() - Date.now()));
    },
    { afterMs: 0 },
  );
}

/**
 * Launches a plan once its provider's rate-limit pause is over; with `waitSec`, queues for a slot under the
 * provider's cap instead of being refused at once.
 */
export async function launchWhenRoom(store: Store, home: string, launch: Launch, waitSec = 0): Promise<JobRecord> {
  await waitOutPause(store, launch.run.provider);
  const deadline = Date.now() + waitSec * 1000;
  for (;;) {
    try {
      return launchRun(store, home, launch);
    } catch (e) {
      if (!hasKind(e, 'capacity') || Date.now() >= deadline) throw e;
      await sleep(500);
    }
  }
}
