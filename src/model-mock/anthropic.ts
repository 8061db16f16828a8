import path from 'node:path';
import type { Conversation, Dialect, Reply } from './dialect.js';
import { errorBody } from './script.js';

type Block = { type: string; text?: string; content?: unknown };
interface Message {
  role: string;
  content?: string | Block[];
}
interface MessagesRequest {
  model?: string;
  messages?: Message[];
  system?: string | Block[];
  tools?: Array<{ name?: string }>;
  stream?: boolean;
}

const textOf = (c: Message['content']): string =>
  typeof c === 'string' ? c : Array.isArray(c) ? c.map((b) => b.text ?? '').join('\n') : '';
const blocksOf = (c: Message['content']): Block[] => (Array.isArray(c) ? c : []);
const pathOnly = (url: string) => url.split('?')[0].replace(/\/+$/, '');

/** Claude Code's file tools take absolute paths only; its system prompt names the directory it works in. */
const WORKING_DIR = /Primary working directory: (\S+)/;

/**
 * The script's `write`/`bash` actions as the client's own tools: the offered tool whose name matches
 * case-insensitively (Claude Code: `Write` {file_path, content}, `Bash` {command, description}).
 */
function toolCall(
  turn: Extract<Reply, { kind: 'tool_call' }>,
  conv: Conversation,
  cwd: string | null,
): { name: string; input: Record<string, unknown> } {
  const name = conv.tools.find((t) => t.toLowerCase() === turn.tool) ?? turn.tool;
  if (turn.tool === 'bash') return { name, input: { command: turn.args.command, description: turn.args.description } };
  const file = cwd && !path.isAbsolute(turn.args.filePath) ? path.join(cwd, turn.args.filePath) : turn.args.filePath;
  return { name, input: { file_path: file, content: turn.args.content } };
}

const workingDirs = new WeakMap<Conversation, string | null>();
let served = 0; // numbers the messages

/** The Anthropic Messages API (SSE streaming, tool_use, usage), as the Claude Code CLI uses it. */
export const anthropicDialect: Dialect = {
  name: 'anthropic',
  matches: (method, url) => method === 'POST' && /\/messages(\/count_tokens)?$/.test(pathOnly(url)),
  answerOther(_method, url, body) {
    if (!pathOnly(url).endsWith('/count_tokens')) return null;
    return { status: 200, body: { input_tokens: Math.ceil(body.length / 4) } };
  },
  read(_url, body): Conversation {
    const payload = JSON.parse(body || '{}') as MessagesRequest;
    const messages = payload.messages ?? [];
    const user = messages.filter((m) => m.role === 'user');
    const conv: Conversation = {
      model: payload.model ?? 'glm-5',
      userText: user.map((m) => textOf(m.content)).join('\n'),
      isAgent: (payload.tools?.length ?? 0) > 0,
      toolResultsSeen: user.flatMap((m) => blocksOf(m.content)).filter((b) => b.type === 'tool_result').length,
      hasAssistantTurn: messages.some((m) => m.role === 'assistant'),
      stream: payload.stream === true, // the Messages API answers in one JSON body unless asked to stream
      tools: (payload.tools ?? []).map((t) => t.name ?? ''),
    };
    const everything = [textOf(payload.system), ...messages.map((m) => textOf(m.content))].join('\n');
    workingDirs.set(conv, WORKING_DIR.exec(everything)?.[1] ?? null);
    return conv;
  },
  writeError(res, status) {
    const { error } = errorBody(status);
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_mock_${++served}` });
    res.end(JSON.stringify({ type: 'error', error: { type: error.type, message: error.message } }));
  },
  async writeTurn(res, turn, conv, pace) {
    const id = `msg_mock_${++served}`;
    const inputTokens = Math.ceil(conv.userText.length / 4);
    const outputTokens = 8;
    const cwd = workingDirs.get(conv) ?? null;
    const answer = !conv.isAgent ? 'Scripted job' : turn.kind === 'answer' ? turn.text : null;
    const call =
      conv.isAgent && turn.kind === 'tool_call'
        ? { id: `toolu_mock_${served}_${turn.id}`, ...toolCall(turn, conv, cwd) }
        : null;
    const stopReason = call ? 'tool_use' : 'end_turn';
    const usage = {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };

    if (!conv.stream) {
      const content = call ? [{ type: 'tool_use', ...call }] : [{ type: 'text', text: answer }];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          type: 'message',
          role: 'assistant',
          model: conv.model,
          content,
          stop_reason: stopReason,
          stop_sequence: null,
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (type: string, data: object) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    send('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: conv.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    if (call) {
      send('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      });
      send('content_block_delta', {
        index: 0,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input) },
      });
    } else {
      send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      const words = turn.kind === 'answer' && conv.isAgent ? turn.words : [answer as string];
      for (const w of words) {
        if (!(await pace())) return;
        send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } });
      }
    }
    send('content_block_stop', { index: 0 });
    send('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    });
    send('message_stop', {});
    res.end();
  },
};

/** The environment that points a Claude Code provider at the scripted model (any token is accepted). */
export function claudeEnv(baseUrl: string, provider: 'cc-glm' | 'claude-code'): Record<string, string> {
  return provider === 'cc-glm'
    ? { CC_GLM_BASE_URL: baseUrl, CC_GLM_AUTH_TOKEN: 'mock-glm-token' }
    : { ANTHROPIC_BASE_URL: baseUrl, ANTHROPIC_API_KEY: 'mock-anthropic-key' };
}
