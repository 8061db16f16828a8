import { isProviderFault, isRateLimit, kindOf } from '../core/reasons.js';
import type { OutcomeState } from '../health/index.js';
import type { ItemSpec, ItemState, WaveState } from '../store/index.js';

/**
 * The wave's pure decisions: which queued items start now, whether a failed attempt goes to the
 * fallback provider, and the wave's state from its items. The driver (index.ts) does the I/O.
 */

/** The store keeps waves and items in these shapes; the wave's decisions are made over them. */
export type { ItemSpec, ItemState, WaveState };

export const ITEM_STATES: readonly ItemState[] = [
  'queued',
  'launching',
  'running',
  'landing',
  'ready',
  'landed',
  'failed',
  'cancelled',
  'stopped',
];

const ENDED: ReadonlySet<ItemState> = new Set(['ready', 'landed', 'failed', 'cancelled', 'stopped']);

export const itemEnded = (s: ItemState) => ENDED.has(s);

/** The default fallback: the next provider of the chain (opencode → cc-glm → gemini) that is registered here. */
export function defaultFallback(
  provider: string,
  chain: readonly string[],
  registered: readonly string[],
): string | null {
  const i = chain.indexOf(provider);
  if (i < 0) return null;
  return chain.slice(i + 1).find((p) => registered.includes(p)) ?? null;
}

/** The first dispatch: critical waves go to the fallback lane from the start (and have no further fallback). */
export function initialDispatch(
  spec: Pick<ItemSpec, 'provider' | 'fallbackProvider'>,
  critical: boolean,
): { provider: string; fallbackReason: string | null } {
  if (critical && spec.fallbackProvider) return { provider: spec.fallbackProvider, fallbackReason: 'critical_wave' };
  return { provider: spec.provider, fallbackReason: null };
}

/**
 * Queued items to launch now, in wave order: as many per provider as its cap leaves free beside the
 * live jobs already counted (of this wave or not). The launch itself re-checks the cap atomically.
 */
export function pickLaunches(
  queued: ReadonlyArray<{ id: number; provider: string }>,
  live: Readonly<Record<string, number>>,
  cap: (provider: string) => number,
): number[] {
  const used: Record<string, number> = { ...live };
  const picked: number[] = [];
  for (const item of queued) {
    const n = used[item.provider] ?? 0;
    if (n >= cap(item.provider)) continue;
    used[item.provider] = n + 1;
    picked.push(item.id);
  }
  return picked;
}

/**
 * An item a dead driver left `launching`: the bead's newest job is its launch when it started after the
 * claim (adopt it), else the launch never got that far (queue the item again). Never both, never twice.
 */
export function adoptOrRequeue(
  claimedAt: number | null,
  latest: { id: number; startedAt: number } | null,
): { adopt: number } | 'requeue' {
  return claimedAt !== null && latest && latest.startedAt >= claimedAt ? { adopt: latest.id } : 'requeue';
}

/** How an attempt failed: refused at start (with the start's reason), or ended by its job. */
export type Failure =
  | { at: 'start'; reasonCode: string }
  | { at: 'end'; outcomeState: Exclude<OutcomeState, 'success'>; reasonCode: string };

/**
 * Why this failure warrants the fallback provider, or null when it does not (a retry elsewhere would not help).
 * Only the provider's own fault moves the item (its credentials, binary or model), refused at start or ending its
 * run: the fallback keeps the item's lane, so a lane refusal would follow it there. A run that ends rate limited
 * has used up its relaunches after the provider's pauses, so it moves too.
 */
export function fallbackReasonOf(f: Failure): string | null {
  if (f.at === 'end' && f.outcomeState === 'governance_failed') return `governance_failed:${f.reasonCode}`;
  if (f.at === 'end' && f.outcomeState === 'failed' && isRateLimit(f.reasonCode)) return f.reasonCode;
  if ((f.at === 'start' || f.outcomeState === 'failed') && isProviderFault(kindOf(f.reasonCode))) return f.reasonCode;
  return null; // killed (stop), blocked (watchdog) and other failures are the operator's to judge
}

export type FallbackDecision =
  { action: 'fallback'; provider: string; reason: string } | { action: 'fail'; reasonCode: string };

/** Once only: an item already on its fallback (or dispatched there by --critical) fails for good. */
export function decideFallback(
  item: { fallbackReason: string | null; fallbackProvider: string | null },
  f: Failure,
): FallbackDecision {
  const reason = fallbackReasonOf(f);
  if (reason && item.fallbackReason === null && item.fallbackProvider)
    return { action: 'fallback', provider: item.fallbackProvider, reason };
  return { action: 'fail', reasonCode: f.reasonCode };
}

/** The model of an attempt: the fallback model on the fallback provider, else the item's own. */
export const attemptModel = (
  spec: Pick<ItemSpec, 'model' | 'fallbackModel'>,
  onFallback: boolean,
): string | undefined => (onFallback ? spec.fallbackModel : spec.model);

export type ItemCounts = Record<ItemState, number>;

export function countItems(states: readonly ItemState[]): ItemCounts {
  const counts = Object.fromEntries(ITEM_STATES.map((s) => [s, 0])) as ItemCounts;
  for (const s of states) counts[s]++;
  return counts;
}

/** A stopped wave stays stopped; otherwise it is done once every item ended. */
export function waveStateOf(recorded: WaveState, states: readonly ItemState[]): WaveState {
  if (recorded === 'stopped') return 'stopped';
  return states.every(itemEnded) ? 'done' : 'running';
}
