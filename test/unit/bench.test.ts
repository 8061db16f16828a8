import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aggregate,
  classifyAttempt,
  extractText,
  groupMetrics,
  hintMatchRatio,
  percentile,
  phaseGate,
  type AttemptFacts,
  type Phase,
} from '../../src/bench/decide.js';
import { DEFAULT_PROMPTS_FILE, loadPromptSet, workflowModels } from '../../src/bench/run.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import type { DxError } from '../../src/core/errors.js';
import type { BenchRecord } from '../../src/bench/schemas.js';
import { parseScript } from '../../src/model-mock/script.js';
import { tmpDir } from '../helpers.js';

const facts = (f: Partial<AttemptFacts>): AttemptFacts => ({
  launchError: null,
  outcomeState: 'failed',
  outcomeReason: null,
  exitCode: 1,
  timedOut: false,
  stalled: false,
  ...f,
});

describe('failure taxonomy', () => {
  it.each<[string, Partial<AttemptFacts>, string | null, string | null]>([
    ['success', { outcomeState: 'success', outcomeReason: 'process_exit_with_rc', exitCode: 0 }, null, null],
    [
      'stalled wins over everything after launch',
      { stalled: true, outcomeState: 'killed', outcomeReason: 'stalled_run' },
      'model',
      'stalled_run',
    ],
    ['timed out', { timedOut: true, outcomeState: 'killed', outcomeReason: 'bench_timeout' }, 'model', 'timeout'],
    ['model 404', { outcomeReason: 'opencode_model_unavailable' }, 'model', 'model_not_supported'],
    ['auth 401', { outcomeReason: 'opencode_auth_failed' }, 'env', 'auth_or_provider'],
    ['rate limited', { outcomeReason: 'cc-glm_rate_limited' }, 'env', 'quota_or_rate_limit'],
    ['provider 5xx', { outcomeReason: 'opencode_provider_error' }, 'model', 'provider_error'],
    ['server died under the job', { outcomeReason: 'server_lost' }, 'env', 'server_lost'],
    ['command not found', { outcomeReason: 'process_exit_with_rc', exitCode: 127 }, 'env', 'command_not_found'],
    [
      'exit 0 without an answer',
      { outcomeReason: 'exit_zero_without_final_answer', exitCode: 0 },
      'harness',
      'empty_or_unknown',
    ],
    ['non-zero exit', { outcomeReason: 'process_exit_with_rc', exitCode: 2 }, 'model', 'runtime_nonzero'],
    [
      '"author" in a reason is not auth (H5)',
      { outcomeReason: 'author_mismatch', exitCode: 0 },
      'harness',
      'author_mismatch',
    ],
    [
      'unknown provider refused at start',
      { launchError: { reasonCode: 'provider_not_found', harness: false } },
      'env',
      'provider_not_found',
    ],
    [
      'binary missing',
      { launchError: { reasonCode: 'provider_binary_missing', harness: false } },
      'env',
      'provider_binary_missing',
    ],
    [
      'server did not start',
      { launchError: { reasonCode: 'server_start_failed', harness: false } },
      'env',
      'server_start_failed',
    ],
    [
      'model not offered at start',
      { launchError: { reasonCode: 'model_unavailable', harness: false } },
      'model',
      'model_unavailable',
    ],
    ['the harness threw', { launchError: { reasonCode: 'EACCES', harness: true } }, 'harness', 'exception_harness'],
  ])('%s', (_name, f, category, reason) => {
    expect(classifyAttempt(facts(f))).toEqual({ category, reason });
  });
});

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

  it('hint match ratio is case-insensitive and 1 with no hints', () => {
    expect(hintMatchRatio('Added the RANGE function', ['range', 'function', 'test'])).toBeCloseTo(2 / 3);
    expect(hintMatchRatio('', [])).toBe(1);
  });

  it("answer text comes from the assistant's events, never the user's prompt (H1)", () => {
    const stream = [
      JSON.stringify({ type: 'text', part: { type: 'text', text: 'Added range' } }),
      JSON.stringify({ type: 'user', message: { content: [{ type: 'text', text: 'the prompt itself' }] } }),
      JSON.stringify({ type: 'result', result: 'all done' }),
      'not json',
    ].join('\n');
    expect(extractText(stream)).toBe('Added range\nall done');
  });
});

describe('progressive phase gate', () => {
  it.each<[Phase, string[], boolean, boolean, string]>([
    ['phase1_smoke', [], false, true, 'phase_gate_ok'],
    ['phase2_6stream', [], false, false, 'phase_gate_blocked'],
    ['phase2_6stream', ['phase1_smoke'], false, true, 'phase_gate_ok'],
    ['phase3_real_coding_gate', ['phase1_smoke'], false, false, 'phase_gate_blocked'],
    ['phase3_real_coding_gate', ['phase1_smoke', 'phase2_6stream'], false, true, 'phase_gate_ok'],
    // H7: re-running an earlier phase after a later one passed needs no --force
    ['phase2_6stream', ['phase1_smoke', 'phase2_6stream', 'phase3_real_coding_gate'], false, true, 'phase_gate_ok'],
    ['phase3_real_coding_gate', [], true, true, 'phase_gate_forced'],
  ])('%s after %j (force=%s) → allowed=%s', (phase, passed, force, allowed, reason) => {
    const g = phaseGate(phase, { passed_phases: passed }, force);
    expect([g.allowed, g.reason_code]).toEqual([allowed, reason]);
    if (!allowed) expect(g.details).toMatch(/--phase phase/);
  });
});

describe('prompt set', () => {
  const write = (v: unknown) => {
    const f = path.join(tmpDir('prompts'), 'p.json');
    fs.writeFileSync(f, typeof v === 'string' ? v : JSON.stringify(v));
    return f;
  };
  const good = { id: 'a1', category: 'c', title: 't', prompt: 'do it', success_hints: ['x'] };

  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{nope', /is not JSON/],
    ['no prompts', { version: 1, name: 'n', prompts: [] }, /prompts: /],
    [
      'a prompt without its text',
      { version: 1, name: 'n', prompts: [{ ...good, prompt: '  ' }] },
      /prompts\.0\.prompt/,
    ],
    [
      'hints not a list',
      { version: 1, name: 'n', prompts: [{ ...good, success_hints: 'x' }] },
      /prompts\.0\.success_hints/,
    ],
    ['an id that is not path-safe', { version: 1, name: 'n', prompts: [{ ...good, id: '../x' }] }, /prompts\.0\.id/],
    ['duplicate ids', { version: 1, name: 'n', prompts: [good, good] }, /unique/],
    ['no version', { name: 'n', prompts: [good] }, /version/],
  ])('%s is refused with one line naming the problem', (_name, content, msg) => {
    const f = write(content);
    expect(() => loadPromptSet(f)).toThrow(msg);
    try {
      loadPromptSet(f);
    } catch (e) {
      expect((e as DxError).reasonCode).toBe('prompt_set_invalid');
      expect(exitCodeFor(e as DxError)).toBe(2);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('a missing file says so', () => {
    expect(() => loadPromptSet('/nonexistent/prompts.json')).toThrow(/does not exist/);
  });

  it("the shipped prompts are valid, carry the reference's ids, and script a real edit whose answer meets their hints", () => {
    const set = loadPromptSet(DEFAULT_PROMPTS_FILE);
    expect(set.prompts.map((p) => p.id)).toEqual([
      'coding_ability_1',
      'coding_ability_2',
      'latency_speed_1',
      'robustness_partial_context_1',
      'workflow_orchestration_1',
    ]);
    for (const p of set.prompts) {
      const script = parseScript(p.prompt);
      expect(
        script.actions.some((a) => a.tool === 'write'),
        p.id,
      ).toBe(true);
      expect(hintMatchRatio(script.say, p.success_hints), p.id).toBe(1);
    }
  });
});

describe('workflow models', () => {
  it("--model applies to OpenCode workflows; --model-for to one; others keep their provider's own (H6)", () => {
    const m = workflowModels(['opencode_run_headless', 'opencode_server_http', 'cc_glm_headless'], 'x/y', {
      opencode_server_http: 'z/w',
    });
    expect(m.opencode_run_headless).toBe('x/y');
    expect(m.opencode_server_http).toBe('z/w');
    expect(m.cc_glm_headless).not.toBe('x/y');
  });
});
