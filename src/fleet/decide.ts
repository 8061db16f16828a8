import { isRateLimit } from '../core/reasons.js';
import { backoffDelay } from '../jobs/backoff.js';
import type { FleetJobData, FleetProgress, FleetResult } from './data.js';

/**
 * Pure: the fleet's decisions over plain data: whether a host takes one more job, what the engine's job
 * becomes once its local run ended, how a fleet job and a host are shown.
 */

/** The local governor: a host takes a job only while it runs fewer than its slots. */
export const hostTakes = (running: number, slots: number): boolean => running < slots;

/** A local run as it ended, the facts the engine's job is settled on. */
export interface LocalEnd {
  outcomeState: string | null;
  outcomeReason: string | null;
  exitCode: number | null;
  reportedCommit: string | null;
  delivery: string | null;
  /** the provider's retry hint of the run's last 429, in seconds */
  hintSec: number | null;
}

export type Settle =
  | { action: 'complete'; result: FleetResult }
  /** the provider answered 429: its queue pauses for every host this long, and the job waits its turn again */
  | { action: 'rate_limited'; delayMs: number }
  /** still rate limited past the retries: the job goes on as the next attempt in the fallback's queue */
  | { action: 'fallback'; provider: string; reason: string; result: FleetResult };

/**
 * What the engine's job becomes: a 429 pauses the provider's queue fleet-wide (the provider's hint, else the
 * backoff doubling with each 429 in a row, `inRow` counting this one) and the job goes back to wait on the same
 * provider, up to `retries` times; past them it falls back to `fallback` (the job's fallback provider, null when
 * it has none or is on it already), as a refused model does; any other ending completes it with the local outcome.
 */
export function settle(
  end: LocalEnd,
  at: Pick<FleetResult, 'host' | 'attempt' | 'branch'>,
  inRow: number,
  retries: number,
  fallback: string | null = null,
): Settle {
  const limited = end.outcomeReason !== null && isRateLimit(end.outcomeReason);
  if (limited && inRow <= retries) return { action: 'rate_limited', delayMs: backoffDelay(inRow, end.hintSec) * 1000 };
  const result: FleetResult = {
    ...at,
    state: end.outcomeState ?? 'failed',
    reason_code: end.outcomeReason ?? 'unknown',
    exit_code: end.exitCode,
    commit: end.reportedCommit,
    delivery: end.delivery,
  };
  if (limited && fallback)
    return {
      action: 'fallback',
      provider: fallback,
      reason: end.outcomeReason as string,
      result: { ...result, delivery: `fell back to ${fallback}` },
    };
  return { action: 'complete', result };
}

/** The provider a job falls back to: its fallback provider, unless it is a fallback attempt already (once only). */
export const fallbackOf = (data: Pick<FleetJobData, 'fallbackProvider' | 'fallbackReason'>): string | null =>
  data.fallbackReason === undefined ? (data.fallbackProvider ?? null) : null;

/**
 * The job data of the fallback attempt: the same task on the fallback provider with its default model (the
 * first provider's model means nothing there), marked with why it fell back so it falls back no further.
 */
export const fallbackJobData = (data: FleetJobData, provider: string, reason: string, now: number): FleetJobData => ({
  ...data,
  provider,
  model: undefined,
  fallbackReason: reason,
  enqueuedAt: now,
});

/** The states a fleet job is shown in. */
export type FleetJobState = 'queued' | 'running' | 'success' | 'failed' | 'killed' | 'stopped' | 'blocked' | 'unknown';

/** What the engine knows of one fleet job, as read. */
export interface EngineJob {
  beads: string;
  queue: string;
  provider: string;
  /** why this job is its bead's fallback attempt; null when it is not one */
  fallbackReason: string | null;
  /** BullMQ's state: waiting, delayed, prioritized, active, completed, failed … */
  engineState: string;
  progress: FleetProgress | null;
  result: FleetResult | null;
  failedReason: string | null;
  /** a stop was asked for it */
  stopAsked: boolean;
}

export interface FleetJobView {
  beads: string;
  queue: string;
  provider: string;
  fallback_reason: string | null;
  state: FleetJobState;
  reason_code: string | null;
  host: string | null;
  attempt: number | null;
  branch: string | null;
  commit: string | null;
  delivery: string | null;
}

const ENDED_STATES: Record<string, FleetJobState> = {
  success: 'success',
  failed: 'failed',
  killed: 'killed',
  blocked: 'blocked',
  governance_failed: 'failed',
};

/** Pure: a fleet job's state and facts, from what the engine holds of it. */
export function fleetJobView(j: EngineJob): FleetJobView {
  const at = j.result ?? j.progress;
  const base = {
    beads: j.beads,
    queue: j.queue,
    provider: j.provider,
    fallback_reason: j.fallbackReason,
    host: at?.host ?? null,
    attempt: at?.attempt ?? null,
    branch: at?.branch ?? null,
    commit: j.result?.commit ?? null,
    delivery: j.result?.delivery ?? null,
  };
  if (j.engineState === 'completed' && j.result) {
    const stopped = j.result.reason_code === 'manual_stop';
    return {
      ...base,
      state: stopped ? 'stopped' : (ENDED_STATES[j.result.state] ?? 'unknown'),
      reason_code: j.result.reason_code,
    };
  }
  if (j.engineState === 'failed') return { ...base, state: 'failed', reason_code: j.failedReason ?? 'engine_failed' };
  if (j.engineState === 'active') return { ...base, state: 'running', reason_code: null };
  if (j.stopAsked) return { ...base, state: 'stopped', reason_code: 'manual_stop' };
  return { ...base, state: 'queued', reason_code: null };
}

/** A host as its heartbeat says: renewed every few seconds with a TTL, so a host whose key is gone is dead. */
export interface Heartbeat {
  host: string;
  slots: number;
  providers: string[];
  running: string[];
  pid: number;
  at: number;
}

export interface HostRow extends Heartbeat {
  alive: boolean;
}

/** Pure: every host ever registered, alive when its heartbeat is still there; alive ones first, by name. */
export function hostRows(known: string[], beats: Map<string, Heartbeat>): HostRow[] {
  return known
    .map((host) => {
      const b = beats.get(host);
      return b ? { ...b, alive: true } : { host, slots: 0, providers: [], running: [], pid: 0, at: 0, alive: false };
    })
    .sort((a, b) => Number(b.alive) - Number(a.alive) || a.host.localeCompare(b.host));
}
