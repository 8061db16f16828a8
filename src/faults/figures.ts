/**
 * Pure: the fault figures and their targets. A figure is a count (or a share) measured by `npm run faults`;
 * its target is a bound it must stay within. The table and the exit code are decided here, from data only.
 */

export interface Figure {
  /** a stable key (the JSON output's) */
  key: string;
  /** what was measured, as the table shows it */
  label: string;
  value: number;
  /** how many trials, inputs or attempts the value is out of (0: none were made) */
  of: number;
  target: Target;
  /** names of what missed the target (rows, shapes, trials), for the operator to follow up */
  misses: string[];
}

/** `max`: the value must not exceed the bound; `all`: the value must equal `of` (and `of` be above 0). */
export type Target = { kind: 'max'; bound: number } | { kind: 'all' };

export const atMost = (bound: number): Target => ({ kind: 'max', bound });
export const every: Target = { kind: 'all' };

export function met(f: Pick<Figure, 'value' | 'of' | 'target'>): boolean {
  return f.target.kind === 'max' ? f.value <= f.target.bound : f.of > 0 && f.value === f.of;
}

export const targetText = (f: Pick<Figure, 'of' | 'target'>) =>
  f.target.kind === 'max' ? `<= ${f.target.bound}` : `all ${f.of}`;

/** The final table: figure, value (out of), target, ok. */
export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [f.label, `${f.value} / ${f.of}`, targetText(f), met(f) ? 'ok' : 'MISSED']);
  const head = ['figure', 'value / of', 'target', 'ok'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The JSON summary: each figure with its target and verdict, and whether every target was met. */
export function summary(figures: readonly Figure[], quick: boolean) {
  return {
    faults: 'v1',
    quick,
    ok: figures.every(met),
    figures: figures.map((f) => ({
      key: f.key,
      label: f.label,
      value: f.value,
      of: f.of,
      target: targetText(f),
      ok: met(f),
      misses: f.misses,
    })),
  };
}
