import { describe, expect, it } from 'vitest';
import type { BenchRecord } from '../../../src/bench/schemas.js';
import { aggregate, groupMetrics, percentile } from '../../../src/bench/stats.js';

const rec = (p: Partial<BenchRecord>): BenchRecord =>
  ({
    workflow_id: 'wf',
    system: 'opencode',
    prompt_id: 'p',
    prompt_category: 'c',
    success: true,
    retry_count: 0,
    startup_latency_ms: 10,
    first_output_latency_ms: 50,
    completion_latency_ms: 100,
    hint_match_ratio: 1,
    failure_category: null,
    failure_reason: null,
    ...p,
  }) as BenchRecord;

describe('summary statistics', () => {
  it.each<[number[], number, number | null]>([
    [[], 0.5, null],
    [[7], 0.95, 7],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[10, 20, 30, 40, 50], 0.5, 30],
    [[10, 20, 30, 40, 50], 0.95, 48],
    [[50, 10, 40, 20, 30], 0.95, 48],
    [[1, 100], 0.95, 95.05],
  ])('percentile(%j, %s) = %s', (xs, p, want) => {
    const got = percentile(xs, p);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(want, 6);
  });

  it('per-group metrics skip missing latencies and count retries and successes', () => {
    const m = groupMetrics([
      rec({ completion_latency_ms: 100 }),
      rec({ completion_latency_ms: 300, retry_count: 1 }),
      rec({ success: false, completion_latency_ms: null, first_output_latency_ms: null, hint_match_ratio: 0 }),
    ]);
    expect(m).toMatchObject({
      job_count: 3,
      success_count: 2,
      retry_count: 1,
      completion_latency_ms_p50: 200,
      first_output_latency_ms_p50: 50,
    });
    expect(m.success_rate).toBeCloseTo(2 / 3);
    expect(m.completion_latency_ms_p95).toBeCloseTo(290);
    expect(m.hint_match_ratio_mean).toBeCloseTo(2 / 3);
  });

  it('aggregates by workflow and system, counts the taxonomy, and marks missing cells in the prompt matrix', () => {
    const a = aggregate(
      [
        rec({ workflow_id: 'b', prompt_id: 'p1' }),
        rec({
          workflow_id: 'a',
          prompt_id: 'p1',
          success: false,
          failure_category: 'env',
          failure_reason: 'auth_or_provider',
        }),
      ],
      ['a', 'b', 'c'],
    );
    expect(a.by_workflow.map((r) => [r.workflow_id, r.success_rate])).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    expect(a.by_system).toHaveLength(1);
    expect(a.failure_taxonomy).toEqual({ category_counts: { env: 1 }, reason_counts: { auth_or_provider: 1 } });
    expect(a.prompt_matrix[0].workflows.c).toBeNull();
    expect(a.prompt_matrix[0].workflows.a?.failure_category).toBe('env');
  });
});
