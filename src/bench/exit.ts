/**
 * Exit codes of the benchmark commands, also recorded in its reports (`exit_code`). The benchmark keeps its
 * own scheme (1 is a failed preflight here, 8 a blocked progressive phase), apart from the other commands'.
 */
export const BENCH_EXIT = {
  ok: 0,
  preflight: 1,
  failed: 3,
  baseline: 4,
  noRecords: 5,
  collect: 6,
  summarize: 7,
  phaseBlocked: 8,
} as const;
