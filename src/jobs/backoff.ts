/**
 * Pure: how long a provider that answered 429 is paused on this host, and what a rate-limited job shows while it
 * waits. The provider's own hint (Retry-After, "retry in N s") wins; without one the pause doubles from
 * BACKOFF_BASE_SEC with each 429 in a row, up to BACKOFF_MAX_SEC.
 */

export const BACKOFF_BASE_SEC = 5;
export const BACKOFF_MAX_SEC = 300;
/** a hint beyond this is a quota for the day, not a pause: the job waits this long and tries again */
export const HINT_MAX_SEC = 900;
/** a 429 this long after the last pause ended starts the doubling again from the base */
export const BACKOFF_RESET_SEC = 600;

/** Seconds to pause before the `attempt`-th relaunch (1-based): the hint when there is one, else doubling. */
export function backoffDelay(attempt: number, hintSec: number | null): number {
  if (hintSec !== null) return Math.min(Math.max(Math.ceil(hintSec), 1), HINT_MAX_SEC);
  return Math.min(BACKOFF_BASE_SEC * 2 ** (Math.max(attempt, 1) - 1), BACKOFF_MAX_SEC);
}

const UNIT_SEC: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** `retry in 12s`, `Please retry in 41.2s`, `try again in 1.5 seconds`, `retry after 30`, `Retry-After: 30` … */
const RETRY_IN = new RegExp(
  String.raw`\b(?:retry|try again)(?:[ _-]after\b[\s:="]*| in\s+)(\d+(?:\.\d+)?)\s*` +
    String.raw`(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)?\b`,
  'i',
);
/** Google's RetryInfo in an error body: `"retryDelay": "41s"` */
const RETRY_DELAY = /retryDelay"?\s*[:=]\s*"?(\d+(?:\.\d+)?)(ms|s)/i;

/** The wait a provider asked for in a 429's message, in seconds; null when it names none. */
export function retryHintSec(message: string): number | null {
  const m = RETRY_DELAY.exec(message) ?? RETRY_IN.exec(message);
  if (!m) return null;
  const unit = (m[2] ?? 's').toLowerCase();
  const sec = Number(m[1]) * UNIT_SEC[unit.startsWith('ms') || unit.startsWith('milli') ? 'ms' : unit[0]];
  return Number.isFinite(sec) && sec > 0 ? sec : null;
}

/** A provider's pause as the store keeps it (epoch ms). */
export interface Pause {
  until: number;
  attempt: number;
  reason: string;
}

/**
 * The pause after one more 429: the attempt counts 429s in a row (reset once the last pause has been over for
 * BACKOFF_RESET_SEC), and a pause already running longer is never shortened.
 */
export function nextPause(prev: Pause | null, now: number, reason: string, hintSec: number | null): Pause {
  const inRow = prev !== null && now - prev.until < BACKOFF_RESET_SEC * 1000;
  const attempt = inRow ? prev.attempt + 1 : 1;
  const until = Math.max(now + backoffDelay(attempt, hintSec) * 1000, inRow ? prev.until : 0);
  return { until, attempt, reason };
}

/** What a job waiting out its provider's pause shows as its next action. */
export function pausedNextAction(until: number, now: number): string {
  const sec = Math.max(0, Math.ceil((until - now) / 1000));
  return `paused: rate limited, retry in ${sec} s`;
}
