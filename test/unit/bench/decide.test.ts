import { describe, expect, it } from 'vitest';
import {
  classifyAttempt,
  extractText,
  hintMatchRatio,
  phaseGate,
  type AttemptFacts,
  type Phase,
} from '../../../src/bench/decide.js';

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
    [
      'the agent CLI own database busy',
      { outcomeReason: 'opencode_store_busy', exitCode: 1 },
      'env',
      'agent_store_busy',
    ],
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
      '"author" in a reason is not auth',
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

describe('answer text', () => {
  it('hint match ratio is case-insensitive and 1 with no hints', () => {
    expect(hintMatchRatio('Added the RANGE function', ['range', 'function', 'test'])).toBeCloseTo(2 / 3);
    expect(hintMatchRatio('', [])).toBe(1);
  });

  it("answer text comes from the assistant's events, never the user's prompt", () => {
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
    // re-running an earlier phase after a later one passed needs no --force
    ['phase2_6stream', ['phase1_smoke', 'phase2_6stream', 'phase3_real_coding_gate'], false, true, 'phase_gate_ok'],
    ['phase3_real_coding_gate', [], true, true, 'phase_gate_forced'],
  ])('%s after %j (force=%s) → allowed=%s', (phase, passed, force, allowed, reason) => {
    const g = phaseGate(phase, { passed_phases: passed }, force);
    expect([g.allowed, g.reason_code]).toEqual([allowed, reason]);
    if (!allowed) expect(g.details).toMatch(/--phase phase/);
  });
});
