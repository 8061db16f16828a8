import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBody, nextTurn, parseScript } from './script.js';

export { parseScript, nextTurn } from './script.js';

export interface MockModelServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface ChatMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
}

const textOf = (c: ChatMessage['content']): string =>
  typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => p.text ?? '').join('\n') : '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A scripted stand-in for the model behind the CLIs, on loopback only. Speaks the OpenAI
 * chat-completions API (streaming, tool calls, usage) well enough for the real `opencode`.
 * The script comes from `@mock` lines in the user's prompt (see script.ts).
 */
export async function startMockModel(opts: { port?: number; host?: string; /** directives applied to every request, before the prompt's own */ script?: string } = {}): Promise<MockModelServer> {
  let served = 0; // numbers the streamed completions
  /** per prompt: how many times `fail … <times>` has fired */
  const failures = new Map<string, number>();

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void answer(req, res, body).catch(() => res.destroy());
    });
  });

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    if (req.method === 'GET' && req.url?.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'glm-5', object: 'model' }] }));
      return;
    }
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody(404)));
      return;
    }
    served++;
    const payload = JSON.parse(body || '{}') as { model?: string; messages?: ChatMessage[]; tools?: unknown[] };
    const messages = payload.messages ?? [];
    const userText = messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)).join('\n');
    const script = parseScript(`${opts.script ?? ''}\n${userText}`);
    const isAgent = (payload.tools?.length ?? 0) > 0; // OpenCode's title request carries no tools

    if (script.fail) {
      const n = failures.get(userText) ?? 0;
      if (script.fail.times === null || n < script.fail.times) {
        failures.set(userText, n + 1);
        res.writeHead(script.fail.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody(script.fail.status)));
        return;
      }
    }
    // the first answer of each conversation (no assistant turn yet): a restarted run stalls again
    if (isAgent && script.stallSec > 0 && !messages.some((m) => m.role === 'assistant')) {
      await sleep(script.stallSec * 1000);
      if (res.destroyed) return;
    }

    const id = `chatcmpl-mock-${served}`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    const chunk = (delta: object, finish: string | null = null) =>
      send({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: payload.model ?? 'glm-5', choices: [{ index: 0, delta, finish_reason: finish }] });

    let finish = 'stop';
    if (!isAgent) {
      chunk({ role: 'assistant', content: 'Scripted job' });
    } else {
      const toolResults = messages.filter((m) => m.role === 'tool').length;
      const turn = nextTurn(script, toolResults);
      if (turn.kind === 'tool_call') {
        chunk({ role: 'assistant', tool_calls: [{ index: 0, id: turn.id, type: 'function', function: { name: turn.tool, arguments: '' } }] });
        chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(turn.args) } }] });
        finish = 'tool_calls';
      } else {
        const words = script.slowMs > 0 ? turn.text.split(/(?<= )/) : [turn.text];
        chunk({ role: 'assistant', content: '' });
        for (const w of words) {
          if (script.slowMs > 0) await sleep(script.slowMs);
          if (res.destroyed) return;
          chunk({ content: w });
        }
      }
    }
    chunk({}, finish);
    const promptTokens = Math.ceil(userText.length / 4);
    send({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: payload.model ?? 'glm-5', choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: 8, total_tokens: promptTokens + 8 } });
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The `opencode.json` that points OpenCode's canonical provider/model at the scripted model. */
export function opencodeConfig(baseUrl: string): Record<string, unknown> {
  return {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      'zhipuai-coding-plan': {
        npm: '@ai-sdk/openai-compatible',
        name: 'Scripted model (dx-runner mock-model)',
        options: { baseURL: `${baseUrl}/v1`, apiKey: 'mock-key' },
        models: { 'glm-5': { name: 'glm-5 (scripted)', tool_call: true } },
      },
    },
    autoupdate: false,
    share: 'disabled',
  };
}
