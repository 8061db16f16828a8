import { describe, expect, it } from 'vitest';
import type { WaveReportOutput } from '../../../src/report/waveSchemas.js';
import { concurrencySteps, diffText, waveHtml, type WaveHtmlInput } from '../../../src/wave/html.js';

describe('live jobs over time', () => {
  it.each<[string, Array<[number, number]>, Array<[number, number]>]>([
    ['none', [], []],
    [
      'one job',
      [[0, 10]],
      [
        [0, 1],
        [10, 0],
      ],
    ],
    [
      'two overlap',
      [
        [0, 10],
        [5, 15],
      ],
      [
        [0, 1],
        [5, 2],
        [10, 1],
        [15, 0],
      ],
    ],
    [
      'a slot freed and taken at once is not two',
      [
        [0, 10],
        [10, 20],
      ],
      [
        [0, 1],
        [10, 1],
        [20, 0],
      ],
    ],
    [
      'same start',
      [
        [0, 10],
        [0, 5],
      ],
      [
        [0, 2],
        [5, 1],
        [10, 0],
      ],
    ],
  ])('%s', (_n, intervals, steps) => {
    expect(concurrencySteps(intervals)).toEqual(steps);
  });
});

describe('diff stat text', () => {
  it.each([
    [null, '-'],
    [{ files: 1, insertions: 1, deletions: 0 }, '1 file, +1 −0'],
    [{ files: 3, insertions: 12, deletions: 4 }, '3 files, +12 −4'],
  ])('%j reads %s', (d, text) => {
    expect(diffText(d)).toBe(text);
  });
});

const run = (p: Partial<WaveReportOutput['items'][number]['runs'][number]>) => ({
  provider: 'opencode',
  selected_model: 'm',
  state: 'exited_ok' as WaveReportOutput['items'][number]['runs'][number]['state'],
  reason_code: 'exited_ok',
  outcome_state: 'success',
  fallback_reason: 'none',
  started_at: '2025-01-31T12:00:00Z',
  completed_at: '2025-01-31T12:01:53Z',
  mutations: 1,
  run_instance: 'ri',
  ...p,
});

const item = (p: Partial<WaveReportOutput['items'][number]>): WaveReportOutput['items'][number] => ({
  beads: 'bd-1',
  state: 'landed',
  provider: 'opencode',
  attempts: 1,
  fallback_reason: null,
  reason_code: 'exited_ok',
  worktree: '/w/bd-1',
  branch: 'dx/bd-1',
  commit: null,
  delivery: null,
  mutations: 1,
  runs: [run({})],
  ...p,
});

const input: WaveHtmlInput = {
  report: {
    wave: 7,
    state: 'running',
    critical: false,
    created_at: '2025-01-31T12:00:00Z',
    ended_at: null,
    duration_sec: 200,
    counts: {
      queued: 1,
      launching: 0,
      running: 1,
      landing: 0,
      ready: 0,
      landed: 1,
      failed: 1,
      cancelled: 0,
      stopped: 0,
    },
    items: [
      item({}),
      item({
        beads: '<img src=x onerror=alert(1)>',
        state: 'failed',
        provider: 'cc-glm',
        attempts: 2,
        fallback_reason: 'opencode_rate_limited',
        reason_code: 'exited_err',
        worktree: '/w/"odd"',
        runs: [
          run({ state: 'exited_err', completed_at: '2025-01-31T12:00:30Z' }),
          run({ provider: 'cc-glm', state: 'exited_err', started_at: '2025-01-31T12:00:31Z' }),
        ],
      }),
      item({ beads: 'bd-3', state: 'running', runs: [run({ state: 'healthy', completed_at: null })] }),
      item({ beads: 'bd-4', state: 'queued', attempts: 0, reason_code: null, runs: [] }),
    ],
  },
  delivery: {
    'bd-1': { base: 'a'.repeat(40), commit: 'c0ffee'.padEnd(40, '1'), diff: { files: 2, insertions: 5, deletions: 1 } },
    'bd-3': { base: 'a'.repeat(40), commit: null, diff: { files: 0, insertions: 0, deletions: 0 } },
  },
  caps: { opencode: 3, 'cc-glm': 2 },
  generatedAt: '2025-01-31T12:03:20Z',
};

describe('wave report HTML', () => {
  const html = waveHtml(input);
  const rows = [...html.matchAll(/<tr class="(\w+)" data-beads="([^"]*)">(.*?)<\/tr>/g)];

  it('draws one row per item with its state, attempts, providers tried, fallback, commit and diff', () => {
    expect(rows.map((r) => [r[1], r[2]])).toEqual([
      ['landed', 'bd-1'],
      ['failed', '&lt;img src=x onerror=alert(1)&gt;'],
      ['running', 'bd-3'],
      ['queued', 'bd-4'],
    ]);
    expect(rows[0][3]).toContain('<code title="c0ffee');
    expect(rows[0][3]).toContain('>c0ffee111111</code>');
    expect(rows[0][3]).toContain('<td>2 files, +5 −1</td>');
    expect(rows[1][3]).toContain(
      '<td>opencode → cc-glm</td><td>opencode_rate_limited</td><td>exited_err</td><td>-</td>',
    );
    expect(rows[1][3]).toContain('<code>/w/&quot;odd&quot;</code>');
    expect(rows[3][3]).toContain('<td>0</td><td>opencode</td>');
  });

  it('escapes every string: no markup comes from input', () => {
    expect(html).toContain('<td>&lt;img src=x onerror=alert(1)&gt;</td>');
    // no element that loads or runs anything, no address outside the file
    expect(html).not.toMatch(/<(script|link|img|iframe|object)\b|https?:\/\//i);
  });

  it('draws one bar per job and a cap line per provider on the timeline', () => {
    const bars = [...html.matchAll(/<rect class="job (\w+)" data-beads="([^"]*)" data-provider="([^"]*)"/g)];
    expect(bars.map((b) => [b[1], b[2], b[3]])).toEqual([
      ['ok', 'bd-1', 'opencode'],
      ['bad', '&lt;img src=x onerror=alert(1)&gt;', 'opencode'],
      ['bad', '&lt;img src=x onerror=alert(1)&gt;', 'cc-glm'],
      ['open', 'bd-3', 'opencode'],
    ]);
    const caps = [...html.matchAll(/<line class="cap \w+" data-provider="([^"]*)" data-cap="(\d+)"/g)];
    expect(caps.map((c) => [c[1], Number(c[2])])).toEqual([
      ['cc-glm', 2],
      ['opencode', 3],
    ]);
    expect(html).toContain('<title>bd-1 #1 opencode exited_ok 1 min 53 s</title>');
    expect(html).toContain('3 min 20 s'); // the wave's age, and the timeline's span
  });
});
