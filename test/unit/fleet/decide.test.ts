import { describe, expect, it } from 'vitest';
import {
  fallbackJobData,
  fallbackOf,
  fleetJobView,
  hostRows,
  hostTakes,
  settle,
  type EngineJob,
  type LocalEnd,
} from '../../../src/fleet/decide.js';

describe('hostTakes: the local governor', () => {
  it.each([
    [0, 2, true],
    [1, 2, true],
    [2, 2, false],
    [3, 2, false],
  ])('%i running of %i slots: %s', (running, slots, takes) => expect(hostTakes(running, slots)).toBe(takes));
});

describe('settle: what the engine job becomes once the local run ended', () => {
  const at = { host: 'h1', attempt: 1, branch: 'fleet/bd-a/a1' };
  const end = (over: Partial<LocalEnd>): LocalEnd => ({
    outcomeState: 'success',
    outcomeReason: 'success',
    exitCode: 0,
    reportedCommit: 'abc',
    delivery: 'pushed to origin/fleet/bd-a/a1',
    hintSec: null,
    ...over,
  });
  const limited = { outcomeState: 'failed', outcomeReason: 'opencode_rate_limited' };
  it.each([
    ['a success completes with its commit and delivery', end({}), 1, { action: 'complete' }],
    [
      'a failure completes too (the outcome is the result)',
      end({ outcomeState: 'failed', outcomeReason: 'x' }),
      1,
      { action: 'complete' },
    ],
    ['a first 429 without a hint: the queue pauses 5 s', end(limited), 1, { action: 'rate_limited', delayMs: 5000 }],
    ['the third in a row: 20 s', end(limited), 3, { action: 'rate_limited', delayMs: 20_000 }],
    ["the provider's hint wins", end({ ...limited, hintSec: 12 }), 2, { action: 'rate_limited', delayMs: 12_000 }],
    ['past the retries: it ends rate limited', end(limited), 4, { action: 'complete' }],
  ])('%s', (_name, e, inRow, want) => expect(settle(e, at, inRow, 3)).toMatchObject(want));

  it.each([
    ['within the retries the fallback waits: the queue pauses', end(limited), 3, { action: 'rate_limited' }],
    [
      'past the retries: on to the fallback, this attempt ended rate limited',
      end(limited),
      4,
      {
        action: 'fallback',
        provider: 'gemini',
        reason: 'opencode_rate_limited',
        result: { ...at, state: 'failed', reason_code: 'opencode_rate_limited', delivery: 'fell back to gemini' },
      },
    ],
    [
      'any other failure past the retries completes (only a rate limit falls back)',
      end({ outcomeState: 'failed', outcomeReason: 'exited_err' }),
      4,
      { action: 'complete', result: { reason_code: 'exited_err' } },
    ],
    ['a success completes', end({}), 4, { action: 'complete' }],
  ])('with a fallback provider, %s', (_name, e, inRow, want) =>
    expect(settle(e, at, inRow, 3, 'gemini')).toMatchObject(want),
  );

  it('the completed result carries the local outcome', () => {
    expect(settle(end({}), at, 1, 3)).toEqual({
      action: 'complete',
      result: {
        ...at,
        state: 'success',
        reason_code: 'success',
        exit_code: 0,
        commit: 'abc',
        delivery: 'pushed to origin/fleet/bd-a/a1',
      },
    });
  });
});

describe('fallbackOf / fallbackJobData: once only, on the fallback provider', () => {
  it.each([
    ['no --fallback', {}, null],
    ['a fallback provider', { fallbackProvider: 'cc-glm' }, 'cc-glm'],
    ['a fallback attempt already', { fallbackProvider: 'cc-glm', fallbackReason: 'opencode_rate_limited' }, null],
  ])('%s', (_name, data, want) => expect(fallbackOf(data)).toBe(want));

  it("the fallback attempt: the same task, the fallback's default model, why it fell back", () => {
    const data = {
      beads: 'bd-a',
      prompt: 'p',
      provider: 'opencode',
      model: 'zai/glm-5',
      repo: '/r.git',
      base: 'main',
      branchPrefix: 'fleet',
      host: 'h1',
      fallbackProvider: 'cc-glm',
      enqueuedAt: 1,
    };
    expect(fallbackJobData(data, 'cc-glm', 'opencode_rate_limited', 9)).toEqual({
      ...data,
      provider: 'cc-glm',
      model: undefined,
      fallbackReason: 'opencode_rate_limited',
      enqueuedAt: 9,
    });
  });
});

describe('fleetJobView: a fleet job as the commands show it', () => {
  const progress = { host: 'h1', attempt: 2, branch: 'fleet/bd-a/a2', run_instance: 'r', spawned_at: 1 };
  const result = { ...progress, state: 'success', reason_code: 'success', exit_code: 0, commit: 'c', delivery: 'd' };
  const job = (over: Partial<EngineJob>): EngineJob => ({
    beads: 'bd-a',
    queue: 'provider-opencode',
    provider: 'opencode',
    fallbackReason: null,
    engineState: 'waiting',
    progress: null,
    result: null,
    failedReason: null,
    stopAsked: false,
    ...over,
  });
  it.each([
    ['waiting', job({}), { state: 'queued', host: null }],
    ['delayed (handed back, or rate-limited)', job({ engineState: 'delayed' }), { state: 'queued' }],
    ['active, before its host said so', job({ engineState: 'active' }), { state: 'running', host: null }],
    ['active on a host', job({ engineState: 'active', progress }), { state: 'running', host: 'h1', attempt: 2 }],
    ['completed', job({ engineState: 'completed', result }), { state: 'success', commit: 'c' }],
    [
      'completed by a stop',
      job({ engineState: 'completed', result: { ...result, state: 'killed', reason_code: 'manual_stop' } }),
      { state: 'stopped', reason_code: 'manual_stop' },
    ],
    [
      'completed, ended by its host',
      job({ engineState: 'completed', result: { ...result, state: 'killed', reason_code: 'fleet_lock_lost' } }),
      { state: 'killed' },
    ],
    [
      'failed in the engine',
      job({ engineState: 'failed', failedReason: 'job stalled more than allowable limit' }),
      { state: 'failed' },
    ],
    ['a stop asked while it waited', job({ stopAsked: true }), { state: 'stopped', reason_code: 'manual_stop' }],
    [
      'a fallback attempt says so',
      job({ queue: 'provider-cc-glm', provider: 'cc-glm', fallbackReason: 'opencode_rate_limited' }),
      { state: 'queued', provider: 'cc-glm', fallback_reason: 'opencode_rate_limited' },
    ],
  ])('%s', (_name, j, want) => expect(fleetJobView(j)).toMatchObject(want));
});

describe('hostRows: alive by heartbeat', () => {
  it('a host whose heartbeat expired is gone; alive ones first', () => {
    const beat = { host: 'b', slots: 3, providers: ['opencode'], running: ['bd-1'], pid: 9, at: 1 };
    expect(hostRows(['a', 'b'], new Map([['b', beat]]))).toEqual([
      { ...beat, alive: true },
      { host: 'a', slots: 0, providers: [], running: [], pid: 0, at: 0, alive: false },
    ]);
  });
});
