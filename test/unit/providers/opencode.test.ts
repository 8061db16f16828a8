import { describe, expect, it } from 'vitest';
import { decideOutcome } from '../../../src/health/index.js';
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

  it('ignores lines that are not JSON events', () => {
    expect(opencodeAdapter.parseStdoutLine('not json')).toEqual([]);
    expect(opencodeAdapter.parseStdoutLine('42')).toEqual([]);
    expect(opencodeAdapter.parseStderrLine('INFO something')).toEqual([]);
  });
});
