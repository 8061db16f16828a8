import { describe, expect, it } from 'vitest';
import { landingOrder, stateAfterDelivery, stateOnSuccess } from '../../../src/delivery/queue.js';
import type { ItemState } from '../../../src/store/index.js';

describe('stateOnSuccess: where an item whose job succeeded goes', () => {
  it.each<[Parameters<typeof stateOnSuccess>[0], string]>([
    [undefined, 'ready'],
    ['none', 'ready'],
    ['push', 'deliver'],
    ['merge', 'landing'],
  ])('deliver %s → %s', (mode, expected) => expect(stateOnSuccess(mode)).toBe(expected));
});

describe('stateAfterDelivery: landed only when the delivery was done', () => {
  it.each<[string, Parameters<typeof stateAfterDelivery>[0], { state: ItemState; reasonCode: string }]>([
    ['pushed', { result: 'pushed', reasonCode: null }, { state: 'landed', reasonCode: 'pushed' }],
    ['landed', { result: 'landed', reasonCode: null }, { state: 'landed', reasonCode: 'landed' }],
    [
      'a conflict',
      { result: 'failed', reasonCode: 'merge_conflict' },
      { state: 'failed', reasonCode: 'merge_conflict' },
    ],
    [
      'verification',
      { result: 'failed', reasonCode: 'verify_failed' },
      { state: 'failed', reasonCode: 'verify_failed' },
    ],
  ])('%s', (_n, r, expected) => expect(stateAfterDelivery(r)).toEqual(expected));
});

describe('landingOrder: the job that finished first lands first', () => {
  const item = (seq: number, state: ItemState, completedAt: number | null) => ({ seq, state, completedAt });
  it.each<[string, ReturnType<typeof item>[], number[]]>([
    [
      'by completion, not wave order',
      [item(0, 'landing', 30), item(1, 'landing', 10), item(2, 'landing', 20)],
      [1, 2, 0],
    ],
    ['only items in the queue', [item(0, 'running', 1), item(1, 'landing', 5), item(2, 'ready', 2)], [1]],
    ['a tie keeps wave order', [item(3, 'landing', 7), item(1, 'landing', 7)], [1, 3]],
    ['an unknown end goes last', [item(0, 'landing', null), item(1, 'landing', 9)], [1, 0]],
    ['nothing waiting', [item(0, 'landed', 1)], []],
  ])('%s', (_n, items, expected) => expect(landingOrder(items).map((i) => i.seq)).toEqual(expected));
});
