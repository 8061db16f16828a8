import fs from 'node:fs';
import { isRateLimit, isStoreBusy } from '../core/reasons.js';
import { LineTail } from '../core/tail.js';
import { sleep } from '../core/time.js';
import { emptySummary, foldEvent, type OutputSummary } from '../health/index.js';
import { getProvider, isContent, type AgentEvent } from '../providers/index.js';
import { retryHintSec } from './backoff.js';
import { finalizeJob, outputBytes, pendingOutcome, safeMutations } from './finalize.js';
import { filesOf } from './paths.js';
import { isAlive, processStartTime, treeCpuSeconds, workerLost } from './process.js';
import { pauseProvider, relaunchAfterPause } from './rateLimit.js';
import { claimAndEnd, endJobRun } from './restart.js';
import { sandboxDenial } from './sandbox.js';
import { relaunchAfterBusyStore, relaunchesForBusyStore } from './storeBusy.js';
import { Store, type JobRecord } from '../store/index.js';

const POLL_MS = 500;
const SAMPLE_EVERY_MS = 2000;
/** CPU use below this between marks is idling (timers, polling), not progress */
const CPU_PROGRESS_MIN_SEC = 1;
/** how long to wait for the wrapper's rc file after the agent's process is gone */
const RC_GRACE_MS = 2000;
/** writes the sandbox refused, recorded per run: enough to say so, never a flood */
const MAX_DENIALS = 10;

/** Paces the loop: waits up to `ms`, but wakes at once when the wrapper writes the rc file. */
class RcWaker {
  private wake: (() => void) | null = null;
  private readonly watcher: fs.FSWatcher | null;

  constructor(dir: string) {
    let w: fs.FSWatcher | null = null;
    try {
      w = fs.watch(dir, (_event, name) => {
        if (name === 'rc') this.wake?.();
      });
    } catch {
      // no watcher on this filesystem: the timer alone paces the loop
    }
    this.watcher = w;
  }

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  close(): void {
    this.watcher?.close();
  }
}

/**
 * One per job, detached from the terminal that started it. Follows the agent's output as it arrives
 * (progress, session id, tokens, errors), measures worktree mutations, stops a job the provider keeps
 * failing, and writes the outcome when the agent exits. If it dies, `prune` finalizes from the files.
 */
export async function superviseJob(home: string, jobId: number): Promise<void> {
  const store = new Store(home);
  let waker: RcWaker | undefined;
  try {
    const initial = store.jobs.get(jobId);
    if (!initial) return;
    const adapter = getProvider(initial.provider);
    const files = filesOf(initial);
    const outTail = new LineTail(files.out);
    const errTail = new LineTail(files.err);
    let summary: OutputSummary = emptySummary();
    let bytes = 0;
    let lastSampleAt = 0;
    let cpuMark = 0;
    waker = new RcWaker(files.dir);
    let heartbeat = false;
    let content = false;
    /** the wait the provider's last 429 asked for, if it named one */
    let hintSec: number | null = null;
    const sandboxed = initial.settings.sandbox?.mode === 'bwrap';
    let denials = 0;
    const noteDenial = (line: string) => {
      const detail = sandboxed && denials < MAX_DENIALS ? sandboxDenial(line) : null;
      if (detail === null) return;
      denials++;
      store.events.append(jobId, { kind: 'sandbox_denied', detail });
    };
    const fold = (events: AgentEvent[]) => {
      for (const e of events) {
        summary = foldEvent(summary, e);
        heartbeat = true;
        content ||= isContent(e);
        if ((e.kind === 'retry' || e.kind === 'error') && isRateLimit(e.reason)) hintSec = retryHintSec(e.message);
      }
    };
    /** A rate-limited run pauses its provider; the job waits out the pause and goes again while it may. */
    const backedOff = async (job: JobRecord, reasonCode: string) => {
      if (!pauseProvider(store, job, reasonCode, hintSec)) return false;
      await relaunchAfterPause(store, home, job, reasonCode);
      return true;
    };

    for (;;) {
      const job = store.jobs.get(jobId);
      if (!job || !job.active) return; // finalized elsewhere (stop, restart, prune)
      heartbeat = false;
      content = false;
      for (const line of outTail.read()) {
        noteDenial(line);
        fold(adapter.parseStdoutLine(line));
      }
      for (const line of errTail.read()) fold(adapter.parseStderrLine(line));
      const nowBytes = outputBytes(files);
      const grew = nowBytes > bytes;
      bytes = nowBytes;
      const now = Date.now();
      let mutations: number | null = null;
      let cpuSec: number | null = null;
      let cpuProgressAt: number | null = null;
      if (now - lastSampleAt >= SAMPLE_EVERY_MS) {
        lastSampleAt = now;
        mutations = safeMutations(job);
        cpuSec = job.pid ? treeCpuSeconds(job.pid) : null;
        if (cpuSec !== null && cpuSec - cpuMark >= CPU_PROGRESS_MIN_SEC) {
          cpuMark = cpuSec;
          cpuProgressAt = now;
        }
      }
      if (grew || heartbeat || mutations !== null) {
        store.jobs.recordProgress(jobId, {
          outputBytes: bytes,
          lastOutputAt: content ? now : null,
          heartbeatAt: heartbeat ? now : null,
          cpuSec,
          cpuProgressAt,
          summary,
          mutations,
        });
      }

      const failsFast = summary.retryReason !== null && !isStoreBusy(summary.retryReason);
      if (summary.retryStreak >= job.settings.providerRetryLimit && summary.retryReason && failsFast) {
        if (isRateLimit(summary.retryReason) && (await backedOff(job, summary.retryReason))) return;
        // fail fast: a provider that keeps refusing (429, 5xx) would otherwise be retried for ever
        // the outcome first: a `check` while the group is being ended must already see why
        store.events.append(jobId, {
          kind: 'fail_fast',
          reason_code: summary.retryReason,
          retries: summary.retryStreak,
        });
        finalizeJob(store, job, { state: 'failed', reasonCode: summary.retryReason, exitCode: null });
        await endJobRun(store, job);
        return;
      }

      // a fleet job's worker died (killed -9, its host cut off): the engine gives the job to another host, so its
      // run ends here, the agent's whole group with it; a job never runs on two hosts at once
      const worker = job.settings.fleetWorker;
      if (worker && workerLost(worker, processStartTime(worker.pid))) {
        await claimAndEnd(store, job, { state: 'killed', reasonCode: 'fleet_worker_lost', exitCode: 137 });
        return;
      }

      if (!isAlive(job.pid, job.pidStart)) {
        const deadline = Date.now() + RC_GRACE_MS;
        while (!fs.existsSync(files.rc) && Date.now() < deadline) await sleep(100);
        const { outcome } = pendingOutcome(job);
        if (outcome.state === 'failed' && isRateLimit(outcome.reasonCode) && (await backedOff(job, outcome.reasonCode)))
          return;
        if (outcome.state === 'failed' && relaunchesForBusyStore(outcome.reasonCode, job.retries))
          return relaunchAfterBusyStore(store, home, job);
        finalizeJob(store, job);
        // what the agent left running (a command sent to the background) ends with it; a client that died
        // without its exit code may have left its session working on the server
        await endJobRun(store, job, !fs.existsSync(files.rc));
        return;
      }
      await waker.wait(POLL_MS);
    }
  } finally {
    waker?.close();
    store.close();
  }
}
