import { describe, expect, it } from 'vitest';
import { echo, envNumber, LIMITS, parseNumber, rangeText, type Bounds } from '../../../src/core/input.js';
import { DxError } from '../../../src/core/errors.js';

const refusal = (fn: () => unknown): DxError | undefined => {
  try {
    fn();
  } catch (e) {
    return e as DxError;
  }
  return undefined;
};

describe('a number where it enters', () => {
  it.each<[string, string, Bounds, number | null]>([
    ['a whole number in range', '5', LIMITS.count, 5],
    ['zero where zero is allowed', '0', LIMITS.mutationBudget, 0],
    ['a fraction where fractions are allowed', '0.5', LIMITS.minutes, 0.5],
    ['a negative count', '-3', LIMITS.count, null],
    ['a fraction where a whole number is asked', '2.5', LIMITS.mutationBudget, null],
    ['zero where it must be positive', '0', LIMITS.minutes, null],
    ['an interval under one second (it would spin)', '0', LIMITS.interval, null],
    ['above the maximum', '70000', LIMITS.port, null],
    ['not a number', 'ten', LIMITS.count, null],
    ['blank (Number("") is 0)', ' ', LIMITS.count, null],
    ['infinity', 'Infinity', LIMITS.seconds, null],
    ['NaN', 'NaN', {}, null],
  ])('%s: %s', (_case, raw, bounds, expected) => {
    if (expected !== null) expect(parseNumber('--n', raw, bounds)).toBe(expected);
    else {
      const e = refusal(() => parseNumber('--n', raw, bounds));
      expect(e?.reasonCode).toBe('invalid_argument');
      expect(e?.message).toContain(`--n takes ${rangeText(bounds)}`);
    }
  });

  it.each<[Bounds, string]>([
    [LIMITS.count, 'a whole number from 0 to 1000000'],
    [LIMITS.minutes, 'a number > 0 and ≤ 10080'],
    [LIMITS.cap, 'a whole number from 1 to 1000'],
    [{ positive: true, integer: true }, 'a whole number ≥ 1'],
    [{ min: 0.1 }, 'a number ≥ 0.1'],
    [{}, 'a number'],
  ])('the range %j reads "%s"', (bounds, text) => {
    expect(rangeText(bounds)).toBe(text);
  });

  it.each<[string | undefined, number | 'refused']>([
    [undefined, 4],
    ['', 4],
    ['2', 2],
    ['-1', 'refused'],
    ['abc', 'refused'],
  ])('a variable set to %j gives %s', (value, expected) => {
    const env = { DX_RUNNER_MAX_PARALLEL_OPENCODE: value };
    const read = () => envNumber(env, 'DX_RUNNER_MAX_PARALLEL_OPENCODE', LIMITS.cap, 4);
    if (expected === 'refused') {
      const e = refusal(read);
      expect(e?.reasonCode).toBe('invalid_argument');
      expect(e?.message).toMatch(/^DX_RUNNER_MAX_PARALLEL_OPENCODE takes a whole number from 1 to 1000, got '.*'; set/);
    } else expect(read()).toBe(expected);
  });
});

describe('a refused value as a message echoes it', () => {
  it.each<[string, string]>([
    ['bd-a', 'bd-a'],
    ['bd-a\nrm -rf /', 'bd-a\\nrm -rf /'],
    ['x\u0000y\u001b[31m', 'x\\u0000y\\u001b[31m'],
    ['a'.repeat(10_000), `${'a'.repeat(40)}…`],
  ])('%j as %j', (value, shown) => {
    expect(echo(value)).toBe(shown);
    expect(echo(value)).not.toMatch(/\n/);
  });
});
