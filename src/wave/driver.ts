import fs from 'node:fs';
import path from 'node:path';
import { spawnSelfDetached } from '../core/detached.js';
import { DxError, hasKind } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { finalizeJob } from '../jobs/finalize.js';
import { isAlive, processStartTime } from '../jobs/process.js';
import { occupies } from '../jobs/launch.js';
import { awaitingRelaunch } from '../jobs/rateLimit.js';
import { providerCap } from '../jobs/options.js';
import { startJob } from '../jobs/start.js';
import { Store, type JobRecord, type WaveItemRecord, type WaveRecord } from '../store/index.js';
import { adoptOrRequeue, attemptModel, decideFallback, pickLaunches, waveStateOf, type Failure } from './decide.js';
import { waveDir, waveEnv } from './folder.js';
import { issueRecorder } from './tracker.js';
import { deliverItem, landQueued, stateOnSuccess } from '../delivery/queue.js';

/** The wave driver, and what it does to an item: adopt it, settle it from its job, fall back, launch it. */

const PASS_MS = 1000;

/** The driver's log: its stderr, which goes to the wave's driver.log. */
export const logLine = (line: string) => void process.stderr.write(line);

/** Spawns a detached driver for the wave unless a live one holds it; returns the driver's pid. */
export function spawnDriver(store: Store, home: string, id: number): number | null {
  const child = spawnSelfDetached('__wave', id, { home, log: path.join(waveDir(home, id), 'driver.log') });
  if (!child.pid) return null;
  if (!store.waves.claimDriver(id, child.pid, processStartTime(child.pid), isAlive)) {
    child.kill('SIGTERM'); // another driver is alive: it keeps the wave
    return store.waves.get(id)?.driverPid ?? null;
  }
  return child.pid;
}

/**
 * The driver (`dx-runner __wave <id>`): launches queued items as slots free, settles ended ones, until the wave
 * is done or stopped.
 */
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
  landQueued(store, wave.id, logLine);
  const items = store.waves.items(wave.id);
  // a provider paused after a 429 takes nothing new until its pause ends; the other providers' items go on
  const paused = new Set(store.pauses.active(Date.now()).map((p) => p.provider));
  const queued = items.filter((i) => i.state === 'queued' && !paused.has(i.provider));
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
export function currentJob(store: Store, it: WaveItemRecord): JobRecord | null {
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
  if (awaitingRelaunch(job)) return; // waiting out its provider's rate-limit pause, then relaunched
  if (job.active) {
    if (occupies(job)) return;
    finalizeJob(store, job); // it ended while no supervisor watched
    job = store.jobs.get(job.id) as JobRecord;
    if (job.active) return;
  }
  if (job.outcomeState === 'success') {
    const next = stateOnSuccess(it.spec.delivery?.mode);
    if (next !== 'deliver') return store.waves.updateItem(it.id, { state: next, reasonCode: job.outcomeReason });
    deliverItem(store, it, job);
    return;
  }
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
      sandbox: s.sandbox,
      requireGates: s.gates,
      featureKey: s.featureKey,
      base: s.base,
      branch: s.branch,
      allowedPathsFile: s.allowedPathsFile,
      mutationBudget: s.mutationBudget,
      signoffFile: s.signoffFile,
      commit: s.commit,
      verifyCmd: s.verifyCmd,
      verifyTimeoutSec: s.verifyTimeoutSec,
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
