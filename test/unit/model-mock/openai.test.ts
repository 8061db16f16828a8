import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModelServer } from '../../../src/model-mock/index.js';
import { agentChat } from '../../helpers.js';

describe('mock server speaks OpenAI chat-completions over SSE', () => {
  let server: MockModelServer;
  beforeAll(async () => {
    server = await startMockModel();
  });
  afterAll(() => server.close());

  const chat = (content: string, extra: object = {}) => agentChat(server.url, content, extra);

  const events = async (r: Response) =>
    (await r.text())
      .split('\n\n')
      .filter((b) => b.startsWith('data: ') && !b.includes('[DONE]'))
      .map(
        (b) =>
          JSON.parse(b.slice(6)) as {
            choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>;
            usage?: unknown;
          },
      );

  it('streams a write tool call first', async () => {
    const ev = await events(await chat('@mock write a.txt hi'));
    const calls = ev.flatMap((e) => e.choices.map((c) => c.delta.tool_calls)).filter(Boolean);
    expect(JSON.stringify(calls)).toContain('write');
    expect(ev.some((e) => e.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
    expect(ev.at(-1)?.usage).toBeTruthy();
  });

  it('answers with text once the tool result is in', async () => {
    const r = await chat('', {
      messages: [
        { role: 'user', content: '@mock write a.txt hi\n@mock say finished' },
        { role: 'assistant', content: '' },
        { role: 'tool', content: 'ok' },
      ],
    });
    const text = (await events(r)).map((e) => e.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('finished');
  });

  it('fails with the scripted status, only as often as asked', async () => {
    const first = await chat('@mock fail 429 1');
    expect(first.status).toBe(429);
    expect(((await first.json()) as { error: { message: string } }).error.message).toMatch(/rate limit/i);
    expect((await chat('@mock fail 429 1')).status).toBe(200);
  });
});
