import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../src/core/duration.js';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [840, '840 ms'],
    [999.4, '999 ms'],
    [999.6, '1 s'],
    [1000, '1 s'],
    [1049, '1 s'],
    [1050, '1.1 s'],
    [12_340, '12.3 s'],
    [59_940, '59.9 s'],
    [59_960, '1 min 0 s'],
    [60_000, '1 min 0 s'],
    [113_562, '1 min 53.6 s'],
    [3_599_940, '59 min 59.9 s'],
    [3_599_960, '1 h 0 min'],
    [7_500_000, '2 h 5 min'],
    [-5, '0 ms'],
    [Number.NaN, '0 ms'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
