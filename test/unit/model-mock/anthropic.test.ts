import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockModel, type MockModelServer } from '../../../src/model-mock/index.js';

/** The scripted model's Anthropic Messages dialect, over HTTP as the claude CLI talks to it. */
describe('mock server speaks the Anthropic Messages API', () => {
  let server: MockModelServer;
  beforeAll(async () => {
    server = await startMockModel();
  });
  afterAll(() => server.close());

  const tools = [
    { name: 'Bash', input_schema: {} },
    { name: 'Write', input_schema: {} },
  ];
  const system = [{ type: 'text', text: 'Environment\n - Primary working directory: /work/tree\n' }];
  const messages = (body: object) =>
    fetch(`${server.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'glm-5', max_tokens: 1024, stream: true, system, tools, ...body }),
    });
  const user = (text: string) => ({ role: 'user', content: [{ type: 'text', text }] });

  const events = async (r: Response) =>
    (await r.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => {
        const [ev, data] = block.split('\n');
        const parsed = JSON.parse(data.replace(/^data: /, '')) as Record<string, any>;
        expect(ev).toBe(`event: ${parsed.type}`);
        return parsed;
      });

  it('streams a Write tool_use with an absolute path, input as input_json_delta', async () => {
    const r = await messages({ messages: [user('Task\n@mock write notes/a.txt hi')] });
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
    const ev = await events(r);
    expect(ev.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(ev[1].content_block).toMatchObject({ type: 'tool_use', name: 'Write', input: {} });
    expect(ev[1].content_block.id).toMatch(/^toolu_/);
    expect(JSON.parse(ev[2].delta.partial_json)).toEqual({ file_path: '/work/tree/notes/a.txt', content: 'hi' });
    expect(ev[4]).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: expect.any(Number) } });
  });

  it('maps bash to the Bash tool, then answers in text once the tool results are in', async () => {
    const script = user('@mock bash echo hi > b.txt\n@mock say finished');
    const first = await events(await messages({ messages: [script] }));
    expect(first[1].content_block).toMatchObject({ type: 'tool_use', name: 'Bash' });
    expect(JSON.parse(first[2].delta.partial_json)).toMatchObject({ command: 'echo hi > b.txt' });
    const call = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] };
    const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] };
    const second = await events(await messages({ messages: [script, call, result] }));
    const text = second
      .filter((e) => e.delta?.type === 'text_delta')
      .map((e) => e.delta.text)
      .join('');
    expect(text).toBe('finished');
    expect(second.find((e) => e.type === 'message_delta')).toMatchObject({ delta: { stop_reason: 'end_turn' } });
  });

  it('answers in one JSON message when not streaming', async () => {
    const r = await messages({ stream: false, tools: [], messages: [user('ok')] });
    const body = (await r.json()) as Record<string, any>;
    expect(body).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'glm-5',
      stop_reason: 'end_turn',
      usage: { input_tokens: expect.any(Number) },
    });
    expect(body.content[0].type).toBe('text');
  });

  it('fails in the Anthropic error shape with the scripted status', async () => {
    const r = await messages({ messages: [user('@mock fail 401')] });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: expect.stringMatching(/api key/i) },
    });
  });

  it('counts tokens', async () => {
    const r = await fetch(`${server.url}/v1/messages/count_tokens`, {
      method: 'POST',
      body: JSON.stringify({ model: 'glm-5', messages: [user('hello')] }),
    });
    expect(await r.json()).toEqual({ input_tokens: expect.any(Number) });
  });
});
