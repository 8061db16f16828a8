import { describe, expect, it } from 'vitest';
import { SECRET_SAMPLES } from '../../../src/faults/cheap.js';
import { atMost, every, met, summary, table, type Figure } from '../../../src/faults/figures.js';
import { SECRET_SHAPES } from '../../../src/governance/secrets.js';

const fig = (value: number, of: number, target: Figure['target']): Figure => ({
  key: 'k',
  label: 'a figure',
  value,
  of,
  target,
  misses: [],
});

describe('fault figures against their targets', () => {
  it.each([
    ['0 of 20 lost, at most 0', fig(0, 20, atMost(0)), true],
    ['1 of 20 lost, at most 0', fig(1, 20, atMost(0)), false],
    ['12 of 12 caught, all', fig(12, 12, every), true],
    ['11 of 12 caught, all', fig(11, 12, every), false],
    ['nothing tried, all', fig(0, 0, every), false],
  ])('%s → met %s', (_n, f, ok) => {
    expect(met(f)).toBe(ok);
  });

  it('the table and the JSON say which target was missed; ok only when every one is met', () => {
    const figures = [fig(0, 5, atMost(0)), { ...fig(3, 4, every), key: 'caught', misses: ['JWT: not redacted'] }];
    expect(table(figures).split('\n').slice(2)).toEqual([
      'a figure  0 / 5       <= 0    ok',
      'a figure  3 / 4       all 4   MISSED',
    ]);
    expect(summary(figures, true)).toMatchObject({
      ok: false,
      quick: true,
      figures: [{ ok: true }, { key: 'caught', target: 'all 4', ok: false, misses: ['JWT: not redacted'] }],
    });
  });

  it('every shape of the secret catalog has a fabricated sample', () => {
    expect(Object.keys(SECRET_SAMPLES).sort()).toEqual(SECRET_SHAPES.map((s) => s.name).sort());
  });
});
