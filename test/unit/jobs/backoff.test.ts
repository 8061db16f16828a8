import { describe, expect, it } from 'vitest';
import { backoffDelay, nextPause, pausedNextAction, retryHintSec } from '../../../src/jobs/backoff.js';

describe('backoffDelay: the pause before the n-th relaunch', () => {
  it.each([
    ['first 429, no hint: the base', 1, null, 5],
    ['second in a row doubles', 2, null, 10],
    ['third', 3, null, 20],
    ['capped at five minutes', 10, null, 300],
    ['the provider hint wins over the doubling', 3, 12, 12],
    ['a fractional hint is rounded up', 1, 41.2, 42],
    ['a hint under a second waits one', 1, 0.006, 1],
    ['a day-long quota hint is capped at 15 minutes', 1, 86_400, 900],
  ])('%s', (_name, attempt, hint, sec) => expect(backoffDelay(attempt, hint)).toBe(sec));
});

describe('retryHintSec: the wait a 429 message asks for', () => {
  it.each([
    ['Gemini quota text', 'Quota exceeded for metric ... Please retry in 41.149648763s.', 41.149648763],
    ['Google RetryInfo', '"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"17s"}]', 17],
    ['OpenAI style', 'Rate limit reached for gpt-4o. Please try again in 1.5s.', 1.5],
    ['milliseconds', 'Rate limit reached. Please try again in 600ms.', 0.6],
    ['minutes', 'too many requests, retry in 2 minutes', 120],
    ['Retry-After header echoed', 'HTTP 429 Too Many Requests; Retry-After: 30', 30],
    ['retry after N seconds', 'rate limited: retry after 20 seconds', 20],
    ['no hint', 'Rate limit reached for requests: too many requests', null],
    ['a retry count is not a hint', 'API call failed (429 rate_limit_error), retry 2/10', null],
  ])('%s', (_name, message, sec) => expect(retryHintSec(message)).toBe(sec));
});

describe('nextPause: a provider pause after one more 429', () => {
  const r = 'opencode_rate_limited';
  it.each([
    ['the first pause: the base from now', null, 100_000, null, { until: 105_000, attempt: 1 }],
    [
      'a 429 during a pause counts in a row and never shortens it',
      { until: 200_000, attempt: 2, reason: r },
      100_000,
      null,
      { until: 200_000, attempt: 3 },
    ],
    [
      'soon after a pause ended: doubled',
      { until: 100_000, attempt: 2, reason: r },
      110_000,
      null,
      { until: 130_000, attempt: 3 },
    ],
    [
      'long after the last pause: from the base again',
      { until: 100_000, attempt: 5, reason: r },
      100_000 + 600_000,
      null,
      { until: 705_000, attempt: 1 },
    ],
    ['a hint sets the length', null, 100_000, 30, { until: 130_000, attempt: 1 }],
  ])('%s', (_name, prev, now, hint, expected) =>
    expect(nextPause(prev, now, r, hint)).toEqual({ ...expected, reason: r }),
  );
});

describe('pausedNextAction', () => {
  it.each([
    [112_000, 100_000, 'paused: rate limited, retry in 12 s'],
    [100_400, 100_000, 'paused: rate limited, retry in 1 s'],
    [90_000, 100_000, 'paused: rate limited, retry in 0 s'],
  ])('until %d at %d: %s', (until, now, text) => expect(pausedNextAction(until, now)).toBe(text));
});
