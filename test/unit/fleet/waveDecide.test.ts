import { describe, expect, it } from 'vitest';
import type { FleetJobView } from '../../../src/fleet/decide.js';
import type { FleetWaveItem } from '../../../src/fleet/waveData.js';
import { stepItem, waveItemJobId } from '../../../src/fleet/waveDecide.js';

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
