import { diffStat, headCommit, tryGit } from '../governance/git.js';
import { isAlive } from '../jobs/process.js';
import type { JobRecord, Store, WaveRecord } from '../store/index.js';
import { evaluate } from '../jobs/evaluate.js';
import { deliveryOutput, iso, statusRow } from '../report/index.js';
import type { WaveReportOutput, WaveStatusOutput } from '../report/waveSchemas.js';
import { countItems } from './decide.js';
import { landingOrder } from '../delivery/queue.js';
import { currentJob } from './driver.js';
import type { ItemDelivery, WaveHtmlInput } from './html.js';

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
    merge_queue: landingOrder(
      items.map((it) => ({ ...it, completedAt: (it.jobId && store.jobs.get(it.jobId)?.completedAt) || null })),
    ).map((it) => it.beads),
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

/**
 * Where an item's work is: its branch, its commit (null while HEAD is where its job started) and what delivering
 * it did; read from the worktree at report time, the delivery's own branch when it was delivered.
 */
function workOf(worktree: string, job: JobRecord | null) {
  const head = headCommit(worktree);
  return {
    branch: job?.delivery?.branch ?? (tryGit(worktree, ['symbolic-ref', '-q', '--short', 'HEAD'])?.trim() || null),
    commit: head && job && head !== job.startHead ? head : null,
    delivery: job?.delivery ? deliveryOutput(job.delivery) : null,
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
        ...workOf(it.spec.worktree, runs.at(-1)?.job ?? null),
        mutations: runs.at(-1)?.job.mutations ?? 0,
        runs: runs.map(({ job: j, health }) => ({
          provider: j.provider,
          selected_model: j.model,
          state: health.state,
          reason_code: health.reasonCode,
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

/**
 * `wave report --html`'s data: the report, and what git says of each item's worktree now (the diff against the
 * commit its first job started from, the commit it moved to) and the cap each provider's jobs ran under.
 */
export function waveHtmlInput(store: Store, wave: WaveRecord, now = Date.now()): WaveHtmlInput {
  const report = waveReport(store, wave, now);
  const delivery: Record<string, ItemDelivery> = {};
  const caps: Record<string, number> = {};
  for (const it of store.waves.items(wave.id)) {
    const runs = store.jobs.since(it.beads, wave.createdAt);
    for (const j of runs) caps[j.provider] = Math.max(caps[j.provider] ?? 0, j.settings.maxParallel);
    const base = runs[0]?.startHead ?? null;
    const head = base === null ? null : headCommit(it.spec.worktree);
    delivery[it.beads] = {
      base,
      commit: head !== null && head !== base ? head : null,
      diff: base === null ? null : diffStat(it.spec.worktree, base),
    };
  }
  return { report, delivery, caps, generatedAt: iso(now) };
}
