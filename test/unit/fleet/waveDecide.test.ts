import { describe, expect, it } from 'vitest';
import type { FleetJobView } from '../../../src/fleet/decide.js';
import type { FleetWaveItem } from '../../../src/fleet/waveData.js';
import {
  mergeQueue,
  onSuccess,
  resumeAction,
  resumedItem,
  stepItem,
  stoppedItem,
  waveItemJobId,
} from '../../../src/fleet/waveDecide.js';

const item = (over: Partial<FleetWaveItem> = {}): FleetWaveItem => ({
  beads: 'bd-a',
  prompt: 'task',
  provider: 'opencode',
  fallbackProvider: 'claude',
  base: 'main',
  dispatch: 1,
  fallbackReason: null,
  state: 'queued',
  reasonCode: null,
  host: null,
  attempt: null,
  branch: null,
  commit: null,
  delivery: null,
  ...over,
});

const view = (over: Partial<FleetJobView>): FleetJobView => ({
  beads: 'bd-a',
  queue: 'provider-opencode',
  provider: 'opencode',
  fallback_reason: null,
  state: 'running',
  reason_code: null,
  host: 'h1',
  attempt: 1,
  branch: 'fleet/bd-a/a1',
  commit: null,
  delivery: null,
  ...over,
});

describe('stepItem: a fleet wave item from its engine job', () => {
  const pushed = { state: 'success' as const, reason_code: 'success', delivery: 'pushed to origin/fleet/bd-a/a1' };
  it.each([
    ['a new item is enqueued as its first dispatch', item({ dispatch: 0 }), null, true, { dispatch: 1 }],
    ['no job for its dispatch (the driver died before the enqueue): enqueued again', item(), null, true, {}],
    ['its job waits: nothing to do', item(), view({ state: 'queued' }), false, { state: 'queued' }],
    ['its job runs: running, on its host', item(), view({}), false, { state: 'running', host: 'h1' }],
    ['succeeded and pushed: landed', item(), view(pushed), false, { state: 'landed', branch: 'fleet/bd-a/a1' }],
    ['succeeded, not pushed: ready', item(), view({ ...pushed, delivery: 'push failed' }), false, { state: 'ready' }],
    ['stopped', item(), view({ state: 'stopped', reason_code: 'manual_stop' }), false, { state: 'stopped' }],
    [
      'a refused model: the fallback provider, as its second dispatch',
      item(),
      view({ state: 'failed', reason_code: 'model_unavailable' }),
      true,
      { state: 'queued', provider: 'claude', dispatch: 2, fallbackReason: 'model_unavailable' },
    ],
    [
      'rate limited past the retries: the fallback too',
      item(),
      view({ state: 'failed', reason_code: 'opencode_rate_limited' }),
      true,
      { provider: 'claude', dispatch: 2 },
    ],
    [
      'already on its fallback: failed for good',
      item({ provider: 'claude', dispatch: 2, fallbackReason: 'model_unavailable' }),
      view({ state: 'failed', reason_code: 'model_unavailable' }),
      false,
      { state: 'failed', reasonCode: 'model_unavailable' },
    ],
    [
      'a failure a retry elsewhere would not help: failed',
      item(),
      view({ state: 'failed', reason_code: 'process_exit_with_rc' }),
      false,
      { state: 'failed', provider: 'opencode' },
    ],
    ['an ended item stays as it is', item({ state: 'landed' }), view({ state: 'failed' }), false, { state: 'landed' }],
  ])('%s', (_name, it0, v, enqueue, want) => {
    const step = stepItem(it0, v);
    expect(step.enqueue).toBe(enqueue);
    expect(step.item).toMatchObject(want);
  });

  it('the job id of a dispatch names the wave, the bead and the dispatch', () => {
    expect(waveItemJobId(3, 'bd-a.1', 2)).toBe('wave3-bd-a.1-d2');
  });
});

describe('onSuccess: a fleet item whose job succeeded, by its deliver', () => {
  const pushed = 'pushed to origin/fleet/bd-a/a1';
  it.each([
    ['no deliver: the push delivers it', undefined, pushed, 'landed'],
    ['deliver: push', 'push', pushed, 'landed'],
    ['deliver: merge waits in the merge queue', 'merge', pushed, 'landing'],
    ['deliver: none stays ready on its branch', 'none', pushed, 'ready'],
    ['deliver: merge, its branch not pushed: ready (nothing to land)', 'merge', 'push_rejected', 'ready'],
    ['no delivery at all: ready', 'push', null, 'ready'],
  ] as const)('%s', (_name, deliver, delivery, want) => {
    expect(onSuccess(deliver, delivery)).toBe(want);
  });

  it('stepItem keeps when the job ended (the merge queue is in that order)', () => {
    const v = view({ state: 'success', reason_code: 'success', delivery: 'pushed to origin/x' });
    expect(stepItem(item({ deliver: 'merge' }), v, 1234).item).toMatchObject({ state: 'landing', finishedAt: 1234 });
  });
});

describe('mergeQueue: the items waiting to land, first finished first', () => {
  it.each([
    ['none waiting', [item({ state: 'landed', finishedAt: 1 })], []],
    [
      'by the time their jobs ended, not by their place in the wave',
      [
        item({ state: 'landing', finishedAt: 30 }),
        item({ state: 'ready', finishedAt: 5 }),
        item({ state: 'landing', finishedAt: 10 }),
      ],
      [2, 0],
    ],
    [
      'an unknown end lands last, in wave order',
      [
        item({ state: 'landing' }),
        item({ state: 'landing', finishedAt: 7 }),
        item({ state: 'landing', finishedAt: null }),
      ],
      [1, 0, 2],
    ],
  ])('%s', (_name, items, want) => {
    expect(mergeQueue(items)).toEqual(want);
  });
});

describe('stoppedItem: `wave stop --fleet`, each item as its job ended', () => {
  const stopped = { state: 'stopped', reasonCode: 'wave_stopped' };
  it.each([
    ['not enqueued yet: cancelled', item({ dispatch: 0 }), null, { state: 'cancelled', reasonCode: 'wave_stopped' }],
    ['taken out of its queue: cancelled', item(), view({ state: 'queued' }), { state: 'cancelled' }],
    [
      'stopped on its host',
      item({ state: 'running' }),
      view({ state: 'stopped', reason_code: 'manual_stop' }),
      stopped,
    ],
    ['still running past the wait: stopped (its host ends it)', item({ state: 'running' }), view({}), stopped],
    [
      'it ended first with success: kept, its branch not landed',
      item({ state: 'running', deliver: 'merge' }),
      view({ state: 'success', reason_code: 'success', delivery: 'pushed to origin/x' }),
      { state: 'ready' },
    ],
    [
      'it failed first: failed, no fallback now',
      item({ state: 'running' }),
      view({ state: 'failed', reason_code: 'model_unavailable' }),
      { state: 'failed', reasonCode: 'model_unavailable', provider: 'opencode' },
    ],
    ['in the merge queue: ready on its branch', item({ state: 'landing' }), null, { state: 'ready' }],
    ['ended items keep their end', item({ state: 'landed', reasonCode: 'landed' }), null, { state: 'landed' }],
  ])('%s', (_name, it0, v, want) => {
    expect(stoppedItem(it0, v)).toMatchObject(want);
  });
});

describe('resumedItem: `wave resume --fleet` of a stopped wave', () => {
  const pushed = 'pushed to origin/fleet/bd-a/a1';
  it.each([
    [
      'stopped: queued again as a new dispatch',
      item({ state: 'stopped', dispatch: 1 }),
      { state: 'queued', dispatch: 2 },
    ],
    [
      'cancelled before its first dispatch',
      item({ state: 'cancelled', dispatch: 0 }),
      { state: 'queued', dispatch: 0 },
    ],
    [
      'left ready out of the merge queue: back in it',
      item({ state: 'ready', deliver: 'merge', delivery: pushed }),
      { state: 'landing', dispatch: 1 },
    ],
    [
      'ready with nothing pushed: stays',
      item({ state: 'ready', deliver: 'merge', delivery: null }),
      { state: 'ready' },
    ],
    [
      'landed already: stays',
      item({ state: 'landed', deliver: 'merge', delivery: pushed, landing: null }),
      { state: 'landed' },
    ],
    [
      'ready under deliver: none: stays',
      item({ state: 'ready', deliver: 'none', delivery: pushed }),
      { state: 'ready' },
    ],
    ['failed: stays failed', item({ state: 'failed', reasonCode: 'verify_failed' }), { state: 'failed' }],
  ])('%s', (_name, it0, want) => {
    expect(resumedItem(it0)).toMatchObject(want);
  });
});

describe('resumeAction: what `wave resume --fleet` does', () => {
  it.each([
    ['a done wave: refused', 'done', 'completed', 'refuse'],
    ['running, its driver active: left to it', 'running', 'active', 'live'],
    ['running, its driver waiting for a host: left to it', 'running', 'delayed', 'live'],
    ['running, its driver failed: enqueued again', 'running', 'failed', 'resume'],
    ['running, no driver job in the engine', 'running', null, 'resume'],
    ['stopped, its driver ended', 'stopped', 'completed', 'resume'],
    ['stopped, its driver still active (it ends at its next pass)', 'stopped', 'active', 'resume'],
  ] as const)('%s', (_name, wave, driver, want) => {
    expect(resumeAction(wave, driver)).toBe(want);
  });
});
