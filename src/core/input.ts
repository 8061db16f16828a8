import { DxError } from './errors.js';

/**
 * Input checked where it enters: numbers from flags, variables and files, and how a refused value is echoed.
 * Pure; every flag, variable and file field shares these so each refusal reads alike.
 */

/** The range a number must fall in: `positive` is > 0 (fractions allowed unless `integer`). */
export interface Bounds {
  min?: number;
  max?: number;
  positive?: boolean;
  integer?: boolean;
}

/** How long an echoed value may be before it is cut (a 10,000-character id is not printed whole). */
const ECHO_MAX = 40;

/** A value as a one-line message may show it: control characters escaped, cut to 40 characters with "…". */
export function echo(value: string): string {
  const cut = value.length > ECHO_MAX ? `${value.slice(0, ECHO_MAX)}…` : value;
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** The range in words: "a whole number from 1 to 1000", "a number > 0". */
export function rangeText(b: Bounds): string {
  const what = b.integer ? 'a whole number' : 'a number';
  const low = b.positive ? (b.integer ? 1 : undefined) : b.min;
  if (low !== undefined && b.max !== undefined) return `${what} from ${low} to ${b.max}`;
  if (low !== undefined) return `${what} ≥ ${low}`;
  if (b.positive) return b.max !== undefined ? `${what} > 0 and ≤ ${b.max}` : `${what} > 0`;
  return b.max !== undefined ? `${what} ≤ ${b.max}` : what;
}

/** Pure: is `n` a finite number inside the bounds? */
export const inBounds = (n: number, b: Bounds): boolean =>
  Number.isFinite(n) &&
  (!b.integer || Number.isInteger(n)) &&
  (!b.positive || n > 0) &&
  (b.min === undefined || n >= b.min) &&
  (b.max === undefined || n <= b.max);

/**
 * The number `raw` spells for `name` (a flag, a variable, a file field), or an `invalid_argument` refusal naming
 * it and its range. Blank text is no number (Number('') would be 0).
 */
export function parseNumber(name: string, raw: string | number, b: Bounds, fix = ''): number {
  const n = typeof raw === 'number' ? raw : raw.trim() === '' ? NaN : Number(raw);
  if (inBounds(n, b)) return n;
  throw new DxError('invalid_argument', `${name} takes ${rangeText(b)}, got '${echo(String(raw))}'${fix}`);
}

/** A numeric variable of the environment: unset or empty gives `fallback`; anything else must be in range. */
export function envNumber(env: NodeJS.ProcessEnv, name: string, b: Bounds, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  return parseNumber(name, raw, b, '; set it so or unset it');
}

/** The ranges several inputs share (flags, variables and file fields of one meaning take the same). */
export const LIMITS = {
  /** how many rows or lines to show */
  count: { integer: true, min: 0, max: 1_000_000 },
  /** a job's thresholds in minutes (fractions allowed; a week at most) */
  minutes: { positive: true, max: 10_080 },
  /** a job's thresholds in seconds (a week at most) */
  seconds: { positive: true, max: 604_800 },
  /** seconds between passes of a loop: under one it would spin */
  interval: { min: 1, max: 86_400 },
  /** most files a job may change (the scope gate) */
  mutationBudget: { integer: true, min: 0, max: 100_000 },
  /** live jobs of a provider at once */
  cap: { integer: true, min: 1, max: 1_000 },
  /** relaunches of a job (after a rate-limit pause, by the watchdog) */
  retries: { integer: true, min: 0, max: 100 },
  /** a TCP port to listen on */
  port: { integer: true, min: 1, max: 65_535 },
} as const satisfies Record<string, Bounds>;
