import { describe, expect, it } from 'vitest';
import { decideOutcome, emptySummary, foldEvent, serverLostOutcome } from '../../../src/health/index.js';
import { opencodeAdapter } from '../../../src/providers/opencode.js';
import { fixtureLines, foldLines } from '../../helpers.js';

describe('opencode event stream (captured from real opencode runs)', () => {
  it('an edit run: session id, tool use, final answer, tokens', () => {
    const s = foldLines(fixtureLines('opencode-edit.jsonl'), opencodeAdapter.parseStdoutLine);
    expect(s.sessionId).toMatch(/^ses_/);
    expect(s.completed).toBe(true);
    expect(s.errorReason).toBeNull();
    expect(s.tokensIn).toBe(20);
    expect(decideOutcome(0, s)).toEqual({ state: 'success', reasonCode: 'process_exit_with_rc', exitCode: 0 });
  });

  it('a 401 error event → opencode_auth_failed even if the exit code were 0', () => {
    const s = foldLines(fixtureLines('opencode-401.jsonl'), opencodeAdapter.parseStdoutLine);
    expect(s.errorReason).toBe('opencode_auth_failed');
    expect(decideOutcome(0, s).state).toBe('failed');
  });

  it('retried 429s on stderr count as a retry streak with the rate-limit reason', () => {
    const s = foldLines(fixtureLines('opencode-429.stderr'), opencodeAdapter.parseStderrLine);
    expect(s.retryStreak).toBe(3);
    expect(s.retryReason).toBe('opencode_rate_limited');
  });

  it('an attach client whose server was killed: its error names the failed call, and it is server_lost', () => {
    const s = foldLines(fixtureLines('opencode-attach-server-lost.jsonl'), opencodeAdapter.parseStdoutLine);
    expect(s.errorReason).toBe('opencode_error_event');
    expect(s.errorMessage).toMatch(/^ECONNRESET http:\/\/127\.0\.0\.1:\d+\/session\/ses_\w+\/message$/);
    const outcome = decideOutcome(1, s);
    expect(serverLostOutcome(outcome, s, 'gone').reasonCode).toBe('server_lost');
    expect(serverLostOutcome(outcome, s, 'unknown').reasonCode).toBe('server_lost');
    expect(serverLostOutcome(outcome, s, 'same').reasonCode).toBe('opencode_error_event');
  });

  it.each([
    ['the cause first (stderr), then the stream', ['stderr', 'stdout']],
    ['the stream first, then the cause', ['stdout', 'stderr']],
  ])('a model outside its list (UnknownError, cause on stderr) → opencode_model_unavailable: %s', (_n, order) => {
    const lines = {
      stdout: fixtureLines('opencode-unknown-model.jsonl').flatMap(opencodeAdapter.parseStdoutLine),
      stderr: fixtureLines('opencode-unknown-model.stderr').flatMap(opencodeAdapter.parseStderrLine),
    };
    const s = order.flatMap((k) => lines[k as keyof typeof lines]).reduce(foldEvent, emptySummary());
    expect(s.errorReason).toBe('opencode_model_unavailable');
    expect(s.errorMessage).toContain('Model not found: zhipuai-coding-plan/unknown-model');
    expect(decideOutcome(1, s)).toMatchObject({ state: 'failed', reasonCode: 'opencode_model_unavailable' });
  });

  it.each([
    ['a migration that raced another run (captured)', fixtureLines('opencode-store-busy.stderr')],
    ['a locked database', ['Error: database is locked']],
  ])('its own database busy as it starts: %s → opencode_store_busy, not a provider fault', (_n, stderr) => {
    const s = foldLines(stderr, opencodeAdapter.parseStderrLine);
    expect(decideOutcome(1, s)).toMatchObject({ state: 'failed', reasonCode: 'opencode_store_busy' });
    // a run that recovered and ended well keeps its success
    expect(decideOutcome(0, { ...s, completed: true })).toMatchObject({ state: 'success' });
  });

  it('ignores lines that are not JSON events', () => {
    expect(opencodeAdapter.parseStdoutLine('not json')).toEqual([]);
    expect(opencodeAdapter.parseStdoutLine('42')).toEqual([]);
    expect(opencodeAdapter.parseStderrLine('INFO something')).toEqual([]);
  });
});
