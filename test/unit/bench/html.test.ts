import { describe, expect, it } from 'vitest';
import { benchWarnings, reportHtml } from '../../../src/bench/html.js';
import { aggregate } from '../../../src/bench/stats.js';
import type { AttemptRecord, BenchRecord, GovernanceReport, Results } from '../../../src/bench/schemas.js';

const attempt = (p: Partial<AttemptRecord>): AttemptRecord =>
  ({
    attempt: 0,
    success: true,
    state: 'exited_ok',
    reason_code: 'exited_ok',
    completion_latency_ms: 113_562,
    tokens_in: 1200,
    tokens_out: 300,
    stdout_log: 'raw/wf__p1__attempt0.stdout.log',
    stderr_log: 'raw/wf__p1__attempt0.stderr.log',
    ...p,
  }) as AttemptRecord;

const record = (p: Partial<BenchRecord>): BenchRecord =>
  ({
    workflow_id: 'wf',
    system: 'opencode',
    prompt_id: 'p1',
    prompt_category: 'c',
    success: true,
    retry_count: 0,
    startup_latency_ms: 10,
    first_output_latency_ms: 840,
    completion_latency_ms: 113_562,
    hint_match_ratio: 1,
    failure_category: null,
    failure_reason: null,
    attempts: [attempt({})],
    ...p,
  }) as BenchRecord;

const records = [
  record({}),
  record({
    prompt_id: 'p2',
    success: false,
    retry_count: 1,
    failure_category: 'model',
    failure_reason: 'stalled_run',
    attempts: [
      attempt({ success: false, state: 'stopped', reason_code: '<b>stalled</b>', tokens_in: 5, tokens_out: 0 }),
      attempt({ attempt: 1, success: false, state: 'stopped', stdout_log: null, stderr_log: null, tokens_in: 7 }),
    ],
  }),
];

const results = (dry: boolean): Results => ({
  run_id: 'r1',
  generated_at: '2025-01-31T12:00:00Z',
  run_dir: '/runs/r1',
  record_count: records.length,
  dry_run: dry,
  workflows: ['wf'],
  records,
  aggregates: aggregate(records, ['wf']),
});

const gov = (p: Partial<GovernanceReport>): GovernanceReport =>
  ({
    passed: true,
    reason_code: 'governed_ok',
    exit_code: 0,
    preflight: { passed: true, reason_code: 'preflight_ok', providers: [] },
    baseline_gate: null,
    integrity_gate: null,
    launch: { record_count: 2, error: null },
    ...p,
  }) as GovernanceReport;

const warnFinding = { check: 'auth', status: 'warn', code: 'auth_unknown', detail: 'no key', next_action: 'login' };

describe('bench report warnings', () => {
  it.each<[string, GovernanceReport | null, boolean, string[]]>([
    ['no governed run', null, false, []],
    ['a clean governed run', gov({}), false, []],
    ['a dry run skips preflight by design', gov({ preflight: null }), true, []],
    [
      'a skipped preflight',
      gov({ preflight: null }),
      false,
      ['preflight skipped (--skip-preflight): no provider was checked before the run'],
    ],
    [
      'a preflight warning and a failed integrity gate',
      gov({
        preflight: {
          passed: true,
          reason_code: 'preflight_ok',
          providers: [{ provider: 'opencode', model: 'm', workflows: ['wf'], passed: true, findings: [warnFinding] }],
        },
        integrity_gate: { passed: false, reason_code: 'integrity_failed', details: 'not on main' },
        launch: { record_count: 1, error: 'boom' },
      }),
      false,
      [
        'preflight opencode/m auth: warn auth_unknown (no key; next: login)',
        'integrity gate: integrity_failed (not on main)',
        'launch: boom',
      ],
    ],
  ])('%s', (_name, g, dry, want) => {
    expect(benchWarnings(g, dry)).toEqual(want);
  });
});

describe('bench report HTML', () => {
  it.each<[string, boolean, GovernanceReport | null, string, RegExp[], RegExp[]]>([
    [
      'a passed governed run',
      false,
      gov({}),
      'passed',
      [
        /<title>Benchmark r1<\/title>/,
        /class="banner pass" data-verdict="passed">Verdict: PASSED — governed_ok, exit code 0/,
      ],
      [/dry-run-banner/, /id="warnings"/],
    ],
    [
      'a failed run with its warning',
      false,
      gov({ passed: false, reason_code: 'run_failed', exit_code: 3, preflight: null }),
      'failed',
      [
        /class="banner fail"[^>]*>Verdict: FAILED — run_failed, exit code 3/,
        /<ul id="warnings"[^>]*><li>preflight skipped/,
      ],
      [/data-verdict="passed"/],
    ],
    [
      'a dry run: banner, title, grey cells, never passed',
      true,
      gov({ preflight: null }),
      'simulated',
      [/<title>DRY RUN · Benchmark r1<\/title>/, /id="dry-run-banner"/, /<td class="sim"[^>]*>simulated ok/],
      [/banner pass/, /data-verdict="passed"/, /td class="ok"/, /class="dot-ok"/],
    ],
    [
      'results alone (bench summarize)',
      false,
      null,
      'none',
      [/No verdict: this report was made from results alone/],
      [/dry-run-banner/],
    ],
  ])('%s', (_name, dry, g, verdict, present, absent) => {
    const html = reportHtml(results(dry), { governance: g, runHref: '..' });
    expect(html).toContain(`data-verdict="${verdict}"`);
    for (const re of present) expect(html).toMatch(re);
    for (const re of absent) expect(html).not.toMatch(re);
  });

  it('reads durations as a person does, sums tokens per workflow, links logs, escapes input', () => {
    const html = reportHtml(results(false), { governance: gov({}), runHref: '..' });
    expect(html).toContain('1 min 53.6 s');
    expect(html).toContain('840 ms');
    expect(html).not.toMatch(/113562|113 562/);
    // every attempt's tokens: 1200 + 5 + 7 in, 300 + 0 + 300 out
    expect(html).toMatch(/<td>1212<\/td><td>600<\/td><td>not known<\/td>/);
    expect(html).toContain('Cost is not known');
    expect(html).toContain('<a href="../raw/wf__p1__attempt0.stdout.log">stdout</a>');
    expect(html).toContain('<td>&lt;b&gt;stalled&lt;/b&gt;</td>');
    expect(html).not.toContain('<b>stalled');
    expect(html.match(/<tbody>/g)).toHaveLength(3);
    expect(html.match(/<tr class="(ok|fail)">/g)).toHaveLength(3); // one row per attempt
    expect(html).not.toMatch(/<(script|link)\b|src=|https?:\/\/(?!www\.w3\.org)/);
  });
});
