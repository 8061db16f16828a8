import type { BenchRecord, GroupRow, Results, Summary } from './schemas.js';

/**
 * The benchmark's statistics, pure (table-tested in test/unit/bench/stats.test.ts): percentiles, the
 * metrics of a group of records, results.json's aggregates and summary.md.
 */

/** Percentile by linear interpolation at (n−1)·p (numpy's default); null for no values. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const i = (s.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const present = (xs: Array<number | null>) => xs.filter((x): x is number => x !== null);

export function groupMetrics(records: BenchRecord[]): GroupRow {
  const n = records.length;
  const ok = records.filter((r) => r.success).length;
  const retries = records.reduce((a, r) => a + r.retry_count, 0);
  const first = present(records.map((r) => r.first_output_latency_ms));
  const done = present(records.map((r) => r.completion_latency_ms));
  return {
    job_count: n,
    success_count: ok,
    success_rate: n ? ok / n : 0,
    retry_count: retries,
    retry_rate: n ? retries / n : 0,
    startup_latency_ms_mean: mean(present(records.map((r) => r.startup_latency_ms))),
    first_output_latency_ms_p50: percentile(first, 0.5),
    first_output_latency_ms_p95: percentile(first, 0.95),
    completion_latency_ms_p50: percentile(done, 0.5),
    completion_latency_ms_p95: percentile(done, 0.95),
    hint_match_ratio_mean: mean(records.map((r) => r.hint_match_ratio)),
  };
}

const groupBy = <T>(xs: T[], key: (x: T) => string) => {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
};

/** results.json's aggregates (per workflow, per system, failure counts, prompt matrix), from the records alone. */
export function aggregate(records: BenchRecord[], workflows: string[]): Results['aggregates'] {
  const category_counts: Record<string, number> = {};
  const reason_counts: Record<string, number> = {};
  for (const r of records) {
    if (r.failure_category) category_counts[r.failure_category] = (category_counts[r.failure_category] ?? 0) + 1;
    if (r.failure_reason) reason_counts[r.failure_reason] = (reason_counts[r.failure_reason] ?? 0) + 1;
  }
  return {
    by_workflow: groupBy(records, (r) => r.workflow_id).map(([workflow_id, rs]) => ({
      workflow_id,
      ...groupMetrics(rs),
    })),
    by_system: groupBy(records, (r) => r.system).map(([system, rs]) => ({ system, ...groupMetrics(rs) })),
    failure_taxonomy: { category_counts, reason_counts },
    prompt_matrix: groupBy(records, (r) => r.prompt_id).map(([prompt_id, rs]) => ({
      prompt_id,
      prompt_category: rs[0].prompt_category,
      workflows: Object.fromEntries(
        workflows.map((wf) => {
          const r = rs.find((x) => x.workflow_id === wf);
          return [
            wf,
            r
              ? {
                  success: r.success,
                  completion_latency_ms: r.completion_latency_ms,
                  retry_count: r.retry_count,
                  failure_category: r.failure_category,
                  failure_reason: r.failure_reason,
                }
              : null,
          ];
        }),
      ),
    })),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const msCell = (x: number | null) => (x === null ? '-' : String(Math.round(x)));
/** One markdown table row: `| a | b |`. */
const tableRow = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;

/** summary.md: a header, then four tables: workflow metrics, systems, prompts × workflows, failure taxonomy. */
export function summaryMarkdown(s: Summary, results: Results): string {
  const lines = [
    `# Benchmark Summary: ${s.run_id}`,
    '',
    `Generated: ${s.generated_at}`,
    `Total records: ${s.record_count}`,
    '',
  ];
  lines.push(
    '## Workflow Metrics',
    '',
    tableRow([
      'workflow_id',
      'jobs',
      'success_rate',
      'retry_rate',
      'startup_ms_mean',
      'first_output_ms_p50',
      'completion_ms_p50',
      'completion_ms_p95',
    ]),
    '|---|---|---|---|---|---|---|---|',
  );
  for (const r of s.workflow_metrics) {
    lines.push(
      tableRow([
        r.workflow_id,
        r.job_count,
        pct(r.success_rate),
        pct(r.retry_rate),
        msCell(r.startup_latency_ms_mean),
        msCell(r.first_output_latency_ms_p50),
        msCell(r.completion_latency_ms_p50),
        msCell(r.completion_latency_ms_p95),
      ]),
    );
  }
  lines.push(
    '',
    '## System Comparison',
    '',
    '| system | jobs | success_rate | completion_ms_p50 | completion_ms_p95 |',
    '|---|---|---|---|---|',
  );
  for (const r of s.system_metrics)
    lines.push(
      tableRow([
        r.system,
        r.job_count,
        pct(r.success_rate),
        msCell(r.completion_latency_ms_p50),
        msCell(r.completion_latency_ms_p95),
      ]),
    );
  const wfs = results.workflows;
  lines.push(
    '',
    '## Prompt Side-by-Side',
    '',
    `| prompt_id | ${wfs.join(' | ')} |`,
    `|---|${wfs.map(() => '---|').join('')}`,
  );
  for (const row of results.aggregates.prompt_matrix) {
    lines.push(`| ${row.prompt_id} | ${wfs.map((w) => cellText(row.workflows[w] ?? null)).join(' | ')} |`);
  }
  lines.push('', '## Failure Taxonomy', '', '| key | count | kind |', '|---|---|---|');
  const cats = Object.entries(s.failure_taxonomy.category_counts);
  const reasons = Object.entries(s.failure_taxonomy.reason_counts);
  if (!cats.length) lines.push('| none | 0 | category |');
  for (const [k, n] of cats) lines.push(`| ${k} | ${n} | category |`);
  for (const [k, n] of reasons) lines.push(`| ${k} | ${n} | reason |`);
  return `${lines.join('\n')}\n`;
}

export function cellText(c: Results['aggregates']['prompt_matrix'][number]['workflows'][string]): string {
  if (!c) return '-';
  return c.success ? `ok (${msCell(c.completion_latency_ms)}ms)` : `fail:${c.failure_category ?? 'unknown'}`;
}
