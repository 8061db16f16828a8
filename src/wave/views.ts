import { diffStat, headCommit } from '../governance/git.js';
import { isAlive } from '../jobs/process.js';
import type { Store, WaveRecord } from '../store/index.js';
import { evaluate } from '../jobs/evaluate.js';
import { iso, statusRow } from '../report/index.js';
import type { WaveReportOutput, WaveStatusOutput } from '../report/waveSchemas.js';
import { countItems } from './decide.js';
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
