import fs from 'node:fs';
import path from 'node:path';
import { spawnSelfDetached } from '../core/detached.js';
import { DxError, hasKind } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { finalizeJob } from '../jobs/finalize.js';
import { isAlive, processStartTime } from '../jobs/process.js';
import { claimAndEnd } from '../jobs/restart.js';
import { occupies } from '../jobs/launch.js';
import { providerCap } from '../jobs/options.js';
import { startJob } from '../jobs/start.js';
import { Store, type JobRecord, type WaveItemRecord, type WaveRecord } from '../store/index.js';
import { evaluate, iso, statusRow } from '../report/index.js';
import type { WaveReportOutput, WaveResumeOutput, WaveStatusOutput } from '../report/schemas.js';
import {
  adoptOrRequeue,
  attemptModel,
  countItems,
  decideFallback,
  initialDispatch,
  pickLaunches,
  waveStateOf,
  type Failure,
  type ItemState,
} from './decide.js';
import { manifestFromReady } from './beads.js';
import { createWorktrees, planWave, readManifest, type Manifest } from './manifest.js';
import { beadsSource, issueRecorder, readyIssues, saveBeadsSource, type BeadsSource } from './tracker.js';

const PASS_MS = 1000;

const waveDir = (home: string, id: number) => path.join(home, 'waves', String(id));
const logLine = (line: string) => void process.stderr.write(line);

export interface WaveStartOptions {
  manifest?: string;
  items?: string;
  promptFile?: string;
  worktreeRoot?: string;
  repo?: string;
  base?: string;
  provider?: string;
  critical?: boolean;
  /** the wave is the ready issues of beads (`bd ready --json`), recorded on them as it goes */
  fromBeads?: boolean;
  /** with fromBeads: at most this many issues (`bd ready --limit`) */
  limit?: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Validates the whole wave (nothing is recorded when anything is wrong), creates missing worktrees, records it and spawns its driver. */
export function startWave(
  store: Store,
  home: string,
  o: WaveStartOptions,
): { wave: WaveRecord; items: WaveItemRecord[] } {
  let manifest: Manifest;
  let baseDir = o.cwd;
  let beads: BeadsSource | undefined;
  if ([o.manifest, o.items, o.fromBeads].filter(Boolean).length > 1)
    throw new DxError('wave_input_conflict', 'give one of --manifest, --items or --from-beads');
  if (o.limit !== undefined && !(o.fromBeads && Number.isInteger(o.limit) && o.limit > 0))
    throw new DxError(
      'invalid_limit',
      `--limit goes with --from-beads and takes a whole number from 1, got ${o.limit}`,
    );
  if (o.manifest) {
    const file = path.resolve(o.cwd, o.manifest);
    manifest = readManifest(file);
    baseDir = path.dirname(file);
  } else if (o.items) {
    if (!o.promptFile)
      throw new DxError('prompt_file_missing', '--items needs --prompt-file <path> (the task for every bead)');
    const ids = o.items
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    manifest = {
      repo: o.repo,
      base: o.base,
      worktree_root: o.worktreeRoot,
      items: ids.map((b) => ({ beads: b, prompt_file: o.promptFile })),
    };
  } else if (o.fromBeads) {
    beads = beadsSource(o.env, o.cwd);
    manifest = manifestFromReady(readyIssues(beads, o.env, o.limit), {
      repo: o.repo,
      base: o.base,
      worktreeRoot: o.worktreeRoot,
    });
  } else {
    throw new DxError(
      'wave_input_missing',
      'nothing to run: pass --manifest <wave.yaml>, --items bd-a,bd-b --prompt-file <file>, or --from-beads',
    );
  }
  if (o.provider) manifest.provider = o.provider;
  const critical = Boolean(o.critical || manifest.critical);
  const plan = planWave(manifest, baseDir);
  createWorktrees(plan);
  const id = store.waves.insert(
    critical,
    plan.map((p) => ({ beads: p.beads, spec: p.spec, ...initialDispatch(p.spec, critical) })),
  );
  // the jobs run with the environment the wave was started with, whoever resumes it later
  fs.mkdirSync(waveDir(home, id), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(waveDir(home, id), 'env.json'), JSON.stringify(o.env), { mode: 0o600 });
  if (beads) saveBeadsSource(waveDir(home, id), beads);
  spawnDriver(store, home, id);
  return { wave: store.waves.get(id) as WaveRecord, items: store.waves.items(id) };
}

/** Spawns a detached driver for the wave unless a live one holds it; returns the driver's pid. */
function spawnDriver(store: Store, home: string, id: number): number | null {
  const child = spawnSelfDetached('__wave', id, { home, log: path.join(waveDir(home, id), 'driver.log') });
  if (!child.pid) return null;
  if (!store.waves.claimDriver(id, child.pid, processStartTime(child.pid), isAlive)) {
    child.kill('SIGTERM'); // another driver is alive: it keeps the wave
    return store.waves.get(id)?.driverPid ?? null;
  }
  return child.pid;
}

function waveEnv(home: string, id: number): NodeJS.ProcessEnv {
  try {
    return JSON.parse(fs.readFileSync(path.join(waveDir(home, id), 'env.json'), 'utf8')) as NodeJS.ProcessEnv;
  } catch {
    return process.env;
  }
}

/** The driver (`dx-runner __wave <id>`): launches queued items as slots free, settles ended ones, until the wave is done or stopped. */
export async function driveWave(home: string, id: number): Promise<void> {
  const store = new Store(home);
  let stopping = false;
  // `wave stop` asks with SIGTERM: a launch in progress completes, so its job is recorded and can be ended
  process.on('SIGTERM', () => (stopping = true));
  try {
    if (!store.waves.claimDriver(id, process.pid, processStartTime(process.pid), isAlive)) return;
    const env = waveEnv(home, id);
    const record = issueRecorder(waveDir(home, id), id, env, logLine);
    for (;;) {
      const wave = store.waves.get(id);
      if (stopping || !wave || wave.state !== 'running' || wave.driverPid !== process.pid) return;
      const done = await drivePass(store, home, wave, env, () => stopping);
      record?.(store.waves.items(id));
      if (done) {
        store.waves.end(id, 'done');
        return;
      }
      await sleep(PASS_MS);
    }
  } finally {
    store.close();
  }
}

async function drivePass(
  store: Store,
  home: string,
  wave: WaveRecord,
  env: NodeJS.ProcessEnv,
  stopping: () => boolean,
): Promise<boolean> {
  for (const it of store.waves.items(wave.id)) {
    if (it.state === 'launching') recoverLaunching(store, it);
    else if (it.state === 'running') settle(store, it);
  }
  const items = store.waves.items(wave.id);
  const queued = items.filter((i) => i.state === 'queued');
  const live: Record<string, number> = {};
  for (const p of new Set(queued.map((i) => i.provider))) live[p] = store.jobs.activeOf(p).filter(occupies).length;
  for (const itemId of pickLaunches(queued, live, (p) => providerCap(p, env))) {
    if (stopping()) return false;
    await launchItem(store, home, wave, items.find((i) => i.id === itemId) as WaveItemRecord, env);
  }
  return (
    waveStateOf(
      wave.state,
      store.waves.items(wave.id).map((i) => i.state),
    ) === 'done'
  );
}

/** The newest run of the item's bead since it was claimed (a watchdog restart makes a newer one). */
function currentJob(store: Store, it: WaveItemRecord): JobRecord | null {
  const latest = store.jobs.latest(it.beads);
  if (latest && it.claimedAt !== null && latest.startedAt >= it.claimedAt) return latest;
  return it.jobId ? store.jobs.get(it.jobId) : null;
}

/** An item a dead driver claimed: its job, if the launch got that far, is adopted; else it queues again. */
function recoverLaunching(store: Store, it: WaveItemRecord): void {
  const d = adoptOrRequeue(it.claimedAt, store.jobs.latest(it.beads));
  store.waves.updateItem(
    it.id,
    d === 'requeue' ? { state: 'queued' } : { state: 'running', jobId: d.adopt, attempts: it.attempts + 1 },
  );
}

function settle(store: Store, it: WaveItemRecord): void {
  let job = currentJob(store, it);
  if (!job) return store.waves.updateItem(it.id, { state: 'queued' });
  if (job.id !== it.jobId) store.waves.updateItem(it.id, { jobId: job.id });
  if (job.active) {
    if (occupies(job)) return;
    finalizeJob(store, job); // it ended while no supervisor watched
    job = store.jobs.get(job.id) as JobRecord;
    if (job.active) return;
  }
  if (job.outcomeState === 'success')
    return store.waves.updateItem(it.id, { state: 'landed', reasonCode: job.outcomeReason });
  fail(store, it, {
    at: 'end',
    outcomeState: job.outcomeState as Exclude<typeof job.outcomeState, 'success' | null>,
    reasonCode: job.outcomeReason ?? 'unknown',
  });
}

/** A failed attempt: once onto the fallback provider when the failure warrants it, else the item failed. */
function fail(store: Store, it: WaveItemRecord, f: Failure, attempts = it.attempts): void {
  const d = decideFallback({ fallbackReason: it.fallbackReason, fallbackProvider: it.spec.fallbackProvider }, f);
  if (d.action === 'fallback')
    store.waves.updateItem(it.id, {
      state: 'queued',
      provider: d.provider,
      fallbackReason: d.reason,
      reasonCode: f.reasonCode,
      attempts,
    });
  else store.waves.updateItem(it.id, { state: 'failed', reasonCode: d.reasonCode, attempts });
}

async function launchItem(
  store: Store,
  home: string,
  wave: WaveRecord,
  it: WaveItemRecord,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  if (!store.waves.claimItem(it.id)) return;
  const s = it.spec;
  let promptFile = s.promptFile;
  if (!promptFile) {
    promptFile = path.join(waveDir(home, wave.id), `${it.beads}.prompt.txt`);
    fs.writeFileSync(promptFile, s.prompt ?? '', { mode: 0o600 });
  }
  try {
    const job = await startJob(store, home, {
      beads: it.beads,
      provider: it.provider,
      promptFile,
      worktree: s.worktree,
      model: attemptModel(s, it.fallbackReason !== null),
      lane: s.lane,
      requireGates: s.gates,
      featureKey: s.featureKey,
      base: s.base,
      branch: s.branch,
      allowedPathsFile: s.allowedPathsFile,
      mutationBudget: s.mutationBudget,
      signoffFile: s.signoffFile,
      env,
      cwd: s.cwd,
    });
    store.waves.updateItem(it.id, { state: 'running', jobId: job.id, attempts: it.attempts + 1 });
    if (it.fallbackReason) store.jobs.setFallbackReason(job.id, it.fallbackReason);
    store.events.append(job.id, {
      kind: 'wave_dispatch',
      wave: wave.id,
      attempt: it.attempts + 1,
      fallback_reason: it.fallbackReason ?? 'none',
    });
  } catch (e) {
    if (hasKind(e, 'capacity')) return store.waves.updateItem(it.id, { state: 'queued' });
    logLine(`wave ${wave.id}: ${it.beads} on ${it.provider} refused: ${(e as Error).message}\n`);
    const f: Failure = { at: 'start', reasonCode: e instanceof DxError ? e.reasonCode : 'internal_error' };
    fail(store, it, f, it.attempts + 1);
  }
}

export function waveOrLatest(store: Store, id: number | undefined): WaveRecord {
  const w = id === undefined ? store.waves.latest() : store.waves.get(id);
  if (!w)
    throw new DxError(
      'wave_not_found',
      id === undefined
        ? 'no wave recorded yet; start one with dx-runner wave start'
        : `no wave ${id}; list them with dx-runner wave status`,
    );
  return w;
}

/** Ends the wave: its driver first (so nothing new launches), then every live job; queued items are cancelled. */
export async function stopWave(store: Store, home: string, id: number | undefined): Promise<WaveRecord> {
  const wave = waveOrLatest(store, id);
  if (!store.waves.end(wave.id, 'stopped'))
    throw new DxError('wave_not_running', `wave ${wave.id} is ${wave.state}; nothing to stop`);
  if (wave.driverPid && isAlive(wave.driverPid, wave.driverStart)) {
    process.kill(wave.driverPid, 'SIGTERM');
    for (let i = 0; i < 100 && isAlive(wave.driverPid, wave.driverStart); i++) await sleep(100);
    if (isAlive(wave.driverPid, wave.driverStart)) process.kill(wave.driverPid, 'SIGKILL');
  }
  for (const it of store.waves.items(wave.id)) {
    if (it.state === 'queued') store.waves.updateItem(it.id, { state: 'cancelled' });
    if (it.state !== 'launching' && it.state !== 'running') continue;
    const job = currentJob(store, it);
    if (job?.active) await claimAndEnd(store, job, { state: 'killed', reasonCode: 'wave_stopped', exitCode: 137 });
    const ended = job ? (store.jobs.get(job.id) as JobRecord) : null;
    const state: ItemState =
      ended?.outcomeState === 'success'
        ? 'landed'
        : ended && ended.outcomeReason !== 'wave_stopped'
          ? 'failed'
          : 'stopped';
    store.waves.updateItem(it.id, {
      state,
      jobId: ended?.id ?? it.jobId,
      reasonCode: ended?.outcomeReason ?? 'wave_stopped',
    });
  }
  issueRecorder(waveDir(home, wave.id), wave.id, waveEnv(home, wave.id), logLine)?.(store.waves.items(wave.id));
  return store.waves.get(wave.id) as WaveRecord;
}

/** `wave resume`: a running wave whose driver is gone gets a new one. */
export function resumeWave(store: Store, home: string, id: number | undefined): WaveResumeOutput {
  const wave = waveOrLatest(store, id);
  if (wave.state !== 'running')
    throw new DxError('wave_not_running', `wave ${wave.id} is ${wave.state}; nothing to resume`);
  if (isAlive(wave.driverPid, wave.driverStart)) return { wave: wave.id, resumed: false, driver_pid: wave.driverPid };
  return { wave: wave.id, resumed: true, driver_pid: spawnDriver(store, home, wave.id) };
}

/** For the watchdog: every running wave whose driver died is resumed. */
export function resumeOrphanWaves(
  store: Store,
  home: string,
): Array<{ wave: number; action: 'resumed'; driver_pid: number | null }> {
  return store.waves
    .running()
    .filter((w) => !isAlive(w.driverPid, w.driverStart))
    .map((w) => ({ wave: w.id, action: 'resumed' as const, driver_pid: spawnDriver(store, home, w.id) }));
}

/** `wave status --json`: the wave, its counts, and each item with its current job's status row. */
export function waveStatus(store: Store, wave: WaveRecord, now = Date.now()): WaveStatusOutput {
  const items = store.waves.items(wave.id);
  return {
    wave: wave.id,
    state: wave.state,
    critical: wave.critical,
    driver_pid: isAlive(wave.driverPid, wave.driverStart) ? wave.driverPid : null,
    created_at: iso(wave.createdAt),
    ended_at: iso(wave.endedAt),
    counts: countItems(items.map((i) => i.state)),
    items: items.map((it) => {
      const job = it.state === 'queued' && it.attempts === 0 ? null : currentJob(store, it);
      const e = job ? evaluate(job, now) : null;
      return {
        beads: it.beads,
        item_state: it.state,
        provider: it.provider,
        attempts: it.attempts,
        fallback_reason: it.fallbackReason,
        reason_code: it.reasonCode,
        last_event: e?.job.lastEvent ?? null,
        job: e ? statusRow(e, now) : null,
      };
    }),
  };
}

/** `wave report --json`: the wave's record with every attempt of every item. */
export function waveReport(store: Store, wave: WaveRecord, now = Date.now()): WaveReportOutput {
  const items = store.waves.items(wave.id);
  return {
    wave: wave.id,
    state: wave.state,
    critical: wave.critical,
    created_at: iso(wave.createdAt),
    ended_at: iso(wave.endedAt),
    duration_sec: Math.max(0, Math.round(((wave.endedAt ?? now) - wave.createdAt) / 1000)),
    counts: countItems(items.map((i) => i.state)),
    items: items.map((it) => {
      const runs = store.jobs.since(it.beads, wave.createdAt).map((j) => evaluate(j, now));
      return {
        beads: it.beads,
        state: it.state,
        provider: it.provider,
        attempts: it.attempts,
        fallback_reason: it.fallbackReason,
        reason_code: it.reasonCode,
        worktree: it.spec.worktree,
        mutations: runs.at(-1)?.job.mutations ?? 0,
        runs: runs.map(({ job: j, health }) => ({
          provider: j.provider,
          selected_model: j.model,
          state: health.state,
          reason_code: health.reasonCode,
          outcome_state: j.outcomeState,
          fallback_reason: j.fallbackReason,
          started_at: iso(j.startedAt),
          completed_at: iso(j.completedAt),
          mutations: j.mutations,
          run_instance: j.runInstance,
        })),
      };
    }),
  };
}
