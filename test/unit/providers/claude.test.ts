import { describe, expect, it } from 'vitest';
import { claudeStreamParser, renderClaudeLine } from '../../../src/providers/claude.js';
import { fixtureLines, foldLines } from '../../helpers.js';

const parse = claudeStreamParser('cc_glm');

describe('claude stream-json parser', () => {
  it('reads a real run that wrote a file: session, tool, text, final usage', () => {
    const lines = fixtureLines('claude-edit.jsonl');
    const kinds = lines.flatMap(parse).filter((e) => e.kind !== 'session');
    expect(kinds).toEqual([
      { kind: 'tool', tool: 'Write' },
      { kind: 'text', text: 'Wrote it' },
      { kind: 'step_finish', final: true, tokensIn: 624, tokensOut: 16 },
    ]);
    const s = foldLines(lines, parse);
    expect(s).toMatchObject({ completed: true, errorReason: null, tokensIn: 624, tokensOut: 16 });
    expect(s.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads a real 401: a retry, then the error that fails the job', () => {
    const s = foldLines(fixtureLines('claude-401.jsonl'), parse);
    expect(s).toMatchObject({ completed: false, errorReason: 'cc_glm_auth_failed', retryReason: 'cc_glm_auth_failed' });
    expect(s.errorMessage).toMatch(/401/);
  });

  const line = (o: object) => JSON.stringify(o);
  it.each([
    [
      'api retry on 429',
      { type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 3, error_status: 429, error: 'rate_limit' },
      { kind: 'retry', reason: 'cc_glm_rate_limited' },
    ],
    [
      'api retry on overload without status',
      { type: 'system', subtype: 'api_retry', error_status: null, error: 'overloaded' },
      { kind: 'retry', reason: 'cc_glm_provider_error' },
    ],
    [
      'model missing',
      {
        type: 'assistant',
        is_api_error_message: true,
        api_error_status: 404,
        error: 'model_not_found',
        message: { content: [{ type: 'text', text: 'no such model' }] },
      },
      { kind: 'error', reason: 'cc_glm_model_unavailable' },
    ],
    [
      'budget cap',
      { type: 'result', subtype: 'error_max_budget_usd', is_error: true },
      { kind: 'error', reason: 'cc_glm_budget_exceeded' },
    ],
    [
      'error during execution',
      { type: 'result', subtype: 'error_during_execution', is_error: true },
      { kind: 'error', reason: 'cc_glm_error_event' },
    ],
    [
      'result 500',
      { type: 'result', subtype: 'success', is_error: true, api_error_status: 500, result: 'API Error: 500' },
      { kind: 'error', reason: 'cc_glm_provider_error' },
    ],
    [
      'thinking only: nothing said',
      { type: 'assistant', message: { content: [{ type: 'thinking', text: '' }] } },
      null,
    ],
  ])('%s', (_name, ev, expected) => {
    const events = parse(line(ev)).filter((e) => e.kind !== 'session');
    if (expected === null) expect(events).toEqual([]);
    else expect(events).toEqual([expect.objectContaining(expected)]);
  });

  it('renders the stream readably for logs', () => {
    const shown = fixtureLines('claude-edit.jsonl').map(renderClaudeLine);
    expect(shown[0]).toMatch(/^\[session\] [0-9a-f-]{36} model=glm-5$/);
    expect(shown.slice(1)).toEqual([
      expect.stringMatching(/^\[tool:Write\] \/\S+\/notes\/hello\.txt$/),
      expect.stringMatching(/^\[tool result\] File created/),
      '[text] Wrote it',
      '[result] ok success: Wrote it',
    ]);
    expect(fixtureLines('claude-401.jsonl').map(renderClaudeLine).slice(1, 3)).toEqual([
      '[retry] 1/1 401 authentication_failed',
      '[error] Failed to authenticate. API Error: 401 Invalid API key provided',
    ]);
  });

  it('ignores lines that are not JSON objects', () => {
    expect(parse('not json')).toEqual([]);
    expect(parse('42')).toEqual([]);
  });
});
