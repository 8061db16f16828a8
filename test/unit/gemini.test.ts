import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModelServer } from '../../src/model-mock/index.js';
import { geminiAdapter, shellPolicy } from '../../src/providers/gemini.js';
import { withExitCode } from '../helpers.js';

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

describe('mock server speaks the Gemini API', () => {
  let server: MockModelServer;
  beforeAll(async () => {
    server = await startMockModel();
  });
  afterAll(() => server.close());

  const tools = [{ functionDeclarations: [{ name: 'write_file' }, { name: 'run_shell_command' }] }];
  const generate = (contents: object[], method = 'streamGenerateContent?alt=sse') =>
    fetch(`${server.url}/v1beta/models/gemini-3-flash-preview:${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'mock-key' },
      body: JSON.stringify({ contents, tools }),
    });
  type Chunk = {
    candidates: Array<{
      content: { parts: Array<{ text?: string; functionCall?: { name: string; args: Record<string, string> } }> };
      finishReason?: string;
    }>;
    usageMetadata?: object;
  };
  const chunks = async (r: Response) =>
    (await r.text())
      .split('\r\n\r\n')
      .filter((b) => b.startsWith('data: '))
      .map((b) => JSON.parse(b.slice(6)) as Chunk);
  const user = (text: string) => ({ role: 'user', parts: [{ text }] });

  it('streams the scripted write as write_file, then the shell command as run_shell_command', async () => {
    const first = await chunks(await generate([user('@mock write a.txt hi\n@mock bash ls\n@mock say ok')]));
    expect(first.at(-1)?.candidates[0].content.parts[0].functionCall).toMatchObject({
      name: 'write_file',
      args: { file_path: 'a.txt', content: 'hi' },
    });
    expect(first.at(-1)).toMatchObject({ candidates: [{ finishReason: 'STOP' }] });
    expect(first.at(-1)?.usageMetadata).toBeTruthy();
    const reply = { role: 'user', parts: [{ functionResponse: { name: 'write_file', response: { output: 'ok' } } }] };
    const second = await chunks(
      await generate([
        user('@mock write a.txt hi\n@mock bash ls\n@mock say ok'),
        { role: 'model', parts: [{ functionCall: { name: 'write_file' } }] },
        reply,
      ]),
    );
    expect(second.at(-1)?.candidates[0].content.parts[0].functionCall).toMatchObject({
      name: 'run_shell_command',
      args: { command: 'ls' },
    });
  });

  it('answers with text once every tool result is in; generateContent answers in one body', async () => {
    const done = [
      user('@mock write a.txt hi\n@mock say finished'),
      { role: 'model', parts: [{ functionCall: { name: 'write_file' } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'write_file' } }] },
    ];
    expect((await chunks(await generate(done))).map((c) => c.candidates[0].content.parts[0].text).join('')).toBe(
      'finished',
    );
    const whole = (await (await generate(done, 'generateContent')).json()) as Chunk;
    expect(whole.candidates[0].content.parts[0].text).toBe('finished');
  });

  it('counts tokens and lists models', async () => {
    const count = await fetch(`${server.url}/v1beta/models/gemini-3-flash-preview:countTokens`, {
      method: 'POST',
      body: '{"contents":[]}',
    });
    expect(((await count.json()) as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
    const list = (await (await fetch(`${server.url}/v1beta/models?pageSize=1000`)).json()) as {
      models: Array<{ name: string }>;
    };
    expect(list.models.map((m) => m.name)).toContain('models/gemini-3-flash-preview');
  });

  it.each([
    [401, 'UNAUTHENTICATED'],
    [404, 'NOT_FOUND'],
    [429, 'RESOURCE_EXHAUSTED'],
    [500, 'INTERNAL'],
  ])('fails %i in Google error shape (%s)', async (status, name) => {
    const r = await generate([user(`@mock fail ${status}`)]);
    expect(r.status).toBe(status);
    expect(await r.json()).toMatchObject({ error: { code: status, status: name } });
  });
});
