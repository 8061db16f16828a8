import type { Conversation, Dialect } from './dialect.js';
import { errorBody } from './script.js';

interface ChatMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
}

const textOf = (c: ChatMessage['content']): string =>
  typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => p.text ?? '').join('\n') : '';

let served = 0; // numbers the streamed completions

/** The OpenAI chat-completions API (streaming, tool calls, usage), as OpenCode's openai-compatible provider uses it. */
export const openaiDialect: Dialect = {
  name: 'openai',
  matches: (method, url) =>
    (method === 'POST' && url.endsWith('/chat/completions')) ||
    (method === 'GET' && url.endsWith('/models') && !url.includes('/v1beta/')),
  answerOther: (method, url) =>
    method === 'GET' && url.endsWith('/models')
      ? { status: 200, body: { object: 'list', data: [{ id: 'glm-5', object: 'model' }] } }
      : null,
  read(_url, body): Conversation {
    const payload = JSON.parse(body || '{}') as {
      model?: string;
      messages?: ChatMessage[];
      tools?: Array<{ function?: { name?: string } }>;
      stream?: boolean;
    };
    const messages = payload.messages ?? [];
    return {
      model: payload.model ?? 'glm-5',
      userText: messages
        .filter((m) => m.role === 'user')
        .map((m) => textOf(m.content))
        .join('\n'),
      isAgent: (payload.tools?.length ?? 0) > 0, // OpenCode's title request carries no tools
      toolResultsSeen: messages.filter((m) => m.role === 'tool').length,
      hasAssistantTurn: messages.some((m) => m.role === 'assistant'),
      stream: payload.stream !== false,
      tools: (payload.tools ?? []).map((t) => t.function?.name ?? ''),
    };
  },
  writeError(res, status) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(errorBody(status)));
  },
  async writeTurn(res, turn, conv, pace) {
    const id = `chatcmpl-mock-${++served}`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finish: string | null = null) =>
      send({
        id,
        object: 'chat.completion.chunk',
        created,
        model: conv.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
    let finish = 'stop';
    if (!conv.isAgent) {
      chunk({ role: 'assistant', content: 'Scripted job' });
    } else if (turn.kind === 'tool_call') {
      chunk({
        role: 'assistant',
        tool_calls: [{ index: 0, id: turn.id, type: 'function', function: { name: turn.tool, arguments: '' } }],
      });
      chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(turn.args) } }] });
      finish = 'tool_calls';
    } else {
      chunk({ role: 'assistant', content: '' });
      for (const w of turn.words) {
        if (!(await pace())) return;
        chunk({ content: w });
      }
    }
    chunk({}, finish);
    const promptTokens = Math.ceil(conv.userText.length / 4);
    send({
      id,
      object: 'chat.completion.chunk',
      created,
      model: conv.model,
      choices: [],
      usage: { prompt_tokens: promptTokens, completion_tokens: 8, total_tokens: promptTokens + 8 },
    });
    res.end('data: [DONE]\n\n');
  },
};
