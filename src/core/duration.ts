/** Tenths of a second without a trailing `.0`: `53.6`, `5`. */
const tenths = (t: number) => (t % 10 === 0 ? String(t / 10) : (t / 10).toFixed(1));

/**
 * A duration as a person reads it: `840 ms`, `12.3 s`, `1 min 53.6 s`, `2 h 5 min`. Each unit is rounded
 * before the next is chosen, so 59.96 s reads `1 min 0 s`, never `60 s`.
 */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.round(Number.isFinite(ms) ? ms : 0));
  if (whole < 1000) return `${whole} ms`;
  const t = Math.round(whole / 100);
  if (t < 600) return `${tenths(t)} s`;
  if (t < 36_000) return `${Math.floor(t / 600)} min ${tenths(t % 600)} s`;
  const min = Math.round(whole / 60_000);
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}
