import { describe, expect, it } from 'vitest';
import { geminiAdapter, shellPolicy } from '../../../src/providers/gemini.js';
import { withExitCode } from '../../helpers.js';

describe('gemini stream-json → events', () => {
  const line = (o: object) => JSON.stringify(o);
  it.each([
    [
      'init carries the session id',
      line({ type: 'init', session_id: 'ab-12', model: 'gemini-3-flash-preview' }),
      [{ kind: 'session', sessionId: 'ab-12' }],
    ],
    ['the user message echo says nothing', line({ type: 'message', role: 'user', content: 'task' }), []],
    ['assistant text', line({ type: 'message', role: 'assistant', content: 'Hi', delta: true }), [{ kind: 'text' }]],
    [
      'a call starting is not yet a finished tool',
      line({ type: 'tool_use', tool_name: 'write_file', tool_id: 'write_file__c1', parameters: {} }),
      [],
    ],
    [
      'a finished call, named from its id',
      line({ type: 'tool_result', tool_id: 'run_shell_command__c2', status: 'success' }),
      [{ kind: 'tool', tool: 'run_shell_command' }],
    ],
    [
      'a refused call is still a finished call',
      line({ type: 'tool_result', tool_id: 'write_file__x', status: 'error', error: { type: 'policy_violation' } }),
      [{ kind: 'tool', tool: 'write_file' }],
    ],
    [
      'success with the session totals',
      line({ type: 'result', status: 'success', stats: { input_tokens: 516, output_tokens: 24 } }),
      [{ kind: 'step_finish', final: true, tokensIn: 516, tokensOut: 24 }],
    ],
    [
      '401 inside the API error',
      line({
        type: 'result',
        status: 'error',
        error: {
          type: 'unknown',
          message: '[API Error: {"error":{"code":401,"message":"API key not valid.","status":"UNAUTHENTICATED"}}]',
        },
      }),
      [
        {
          kind: 'error',
          reason: 'gemini_auth_failed',
          message: '[API Error: {"error":{"code":401,"message":"API key not valid.","status":"UNAUTHENTICATED"}}]',
        },
      ],
    ],
    [
      'quota exhausted',
      line({
        type: 'result',
        status: 'error',
        error: { message: '[API Error: Resource has been exhausted (e.g. check quota).]' },
      }),
      [
        {
          kind: 'error',
          reason: 'gemini_rate_limited',
          message: '[API Error: Resource has been exhausted (e.g. check quota).]',
        },
      ],
    ],
    [
      'unknown model',
      line({
        type: 'result',
        status: 'error',
        error: { message: '[API Error: models/x is not found for API version v1beta]' },
      }),
      [
        {
          kind: 'error',
          reason: 'gemini_model_unavailable',
          message: '[API Error: models/x is not found for API version v1beta]',
        },
      ],
    ],
    [
      'a fatal stream error',
      line({ type: 'error', severity: 'error', message: 'Maximum session turns exceeded' }),
      [{ kind: 'error', reason: 'gemini_error_event', message: 'Maximum session turns exceeded' }],
    ],
    [
      'a warning does not end the run',
      line({ type: 'error', severity: 'warning', message: 'Agent execution blocked: hook' }),
      [],
    ],
    ['not JSON', 'Loaded cached credentials.', []],
  ])('%s', (_name, input, events) => {
    expect(geminiAdapter.parseStdoutLine(input)).toEqual(events);
  });

  it.each([
    [
      'Attempt 1 failed with status 500. Retrying with backoff... _ApiError: {"error":{"code":500}}',
      'gemini_provider_error',
    ],
    [
      'Attempt 2 failed: Resource has been exhausted (e.g. check quota). Retrying after 5123ms...',
      'gemini_rate_limited',
    ],
    ['Attempt 3 failed with 429 error (no Retry-After header). Retrying with backoff...', 'gemini_rate_limited'],
  ])('stderr retry: %s', (input, reason) => {
    expect(geminiAdapter.parseStderrLine(input)).toMatchObject([{ kind: 'retry', reason }]);
  });

  it('renders lines for logs', () => {
    const render = geminiAdapter.renderLine as (l: string) => string;
    expect(
      render(
        line({
          type: 'tool_use',
          tool_name: 'write_file',
          tool_id: 'write_file__c1',
          parameters: { file_path: 'a.txt' },
        }),
      ),
    ).toBe('[tool:write_file] a.txt');
    expect(
      render(
        line({
          type: 'tool_result',
          tool_id: 'run_shell_command__c2',
          status: 'error',
          error: { message: 'Tool execution denied by policy.' },
        }),
      ),
    ).toBe('[tool:run_shell_command] error: Tool execution denied by policy.');
    expect(render(line({ type: 'message', role: 'user', content: 'secret task' }))).toBe('[prompt] 11 chars');
    expect(render('plain')).toBe('plain');
  });

  it('the CLI refusing to start without a key is an auth failure', () => {
    expect(
      geminiAdapter.parseStderrLine('When using Gemini API, you must specify the GEMINI_API_KEY environment variable.'),
    ).toMatchObject([{ kind: 'error', reason: 'gemini_auth_failed' }]);
  });

  it('stderr noise and the final attempt are no retries', () => {
    expect(geminiAdapter.parseStderrLine('Ripgrep is not available. Falling back to GrepTool.')).toEqual([]);
    expect(geminiAdapter.parseStderrLine('Attempt 10 failed: quota. Max attempts reached')).toEqual([]);
  });
});

describe('gemini auth and shell policy', () => {
  it.each([
    [{ GEMINI_API_KEY: 'k' }, { ok: true, source: 'env:GEMINI_API_KEY' }],
    [{ GOOGLE_API_KEY: 'k' }, { ok: true, source: 'env:GOOGLE_API_KEY' }],
    [{}, { ok: false, reasonCode: 'gemini_auth_missing', exitCode: 10 }],
  ])('%j → %j', (env, verdict) => {
    expect(withExitCode(geminiAdapter.checkAuth?.(env))).toMatchObject(verdict);
  });

  it('allows every shell command, or only the listed prefixes', () => {
    expect(shellPolicy(undefined)).not.toContain('commandPrefix');
    expect(shellPolicy(' npm test, git status ,')).toContain('commandPrefix = ["npm test", "git status"]');
  });
});
