import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModelServer } from '../../../src/model-mock/index.js';

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
