import path from 'node:path';
import { DxError } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { RATE_LIMIT_BACKOFF } from '../health/index.js';
import { isAlive } from '../jobs/process.js';
import { claimAndEnd } from '../jobs/restart.js';
import type { JobRecord, Store, WaveItemRecord, WaveRecord } from '../store/index.js';
import type { WaveResumeOutput } from '../report/waveSchemas.js';
import { initialDispatch, type ItemState } from './decide.js';
import { manifestFromReady } from './beads.js';
import { currentJob, logLine, spawnDriver } from './driver.js';
import { saveWaveEnv, waveDir, waveEnv } from './folder.js';
import { checkWave, createWorktrees, planWave, readManifest, type Manifest } from './manifest.js';
import { beadsSource, issueRecorder, readyIssues, saveBeadsSource, type BeadsSource } from './tracker.js';

/**
 * Waves: `wave start`, `stop` and `resume` here; the driver that runs a wave is driver.ts, its status and
 * report are views.ts.
 */
export { driveWave } from './driver.js';
export { waveHtmlInput, waveReport, waveStatus } from './views.js';
export { waveHtml } from './html.js';

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

/**
 * Validates the whole wave (nothing is recorded when anything is wrong), creates missing worktrees, records it
 * and spawns its driver.
 */
export async function startWave(
  store: Store,
  home: string,
  o: WaveStartOptions,
): Promise<{ wave: WaveRecord; items: WaveItemRecord[] }> {
  let manifest: Manifest;
  let baseDir = o.cwd;
  let beads: BeadsSource | undefined;
  if ([o.manifest, o.items, o.fromBeads].filter(Boolean).length > 1)
    throw new DxError('wave_input_conflict', 'give one of --manifest, --items or --from-beads');
  if (o.limit !== undefined && !o.fromBeads)
    throw new DxError('invalid_argument', '--limit goes with --from-beads; add --from-beads or leave --limit out');
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
  checkWave(plan, o.env);
  await createWorktrees(plan);
  const id = store.waves.insert(
    critical,
    plan.map((p) => ({ beads: p.beads, spec: p.spec, ...initialDispatch(p.spec, critical) })),
  );
  saveWaveEnv(home, id, o.env);
  if (beads) saveBeadsSource(waveDir(home, id), beads);
  spawnDriver(store, home, id);
  return { wave: store.waves.get(id) as WaveRecord, items: store.waves.items(id) };
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
    // left in the merge queue: the work is done on its branch, not delivered
    if (it.state === 'landing') store.waves.updateItem(it.id, { state: 'ready' });
    if (it.state !== 'launching' && it.state !== 'running') continue;
    const job = currentJob(store, it);
    const stopped = { state: 'killed', reasonCode: 'wave_stopped', exitCode: 137 } as const;
    if (job?.active) await claimAndEnd(store, job, stopped);
    else if (job) store.jobs.endPaused(job.id, RATE_LIMIT_BACKOFF, stopped); // waiting out a rate-limit pause
    const ended = job ? (store.jobs.get(job.id) as JobRecord) : null;
    const state: ItemState =
      ended?.outcomeState === 'success'
        ? 'ready'
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
