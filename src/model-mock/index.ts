import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { sleep } from '../core/time.js';
import type { Dialect } from './dialect.js';
import { anthropicDialect } from './anthropic.js';
import { geminiDialect } from './gemini.js';
import { openaiDialect } from './openai.js';
import { errorBody, nextTurn, parseScript } from './script.js';

export { parseScript, nextTurn } from './script.js';
export { claudeEnv } from './anthropic.js';
export { geminiEnv } from './gemini.js';

export interface MockModelServer {
  url: string;
  port: number;
  /** agent requests held by a `stall` right now: tells a test the agent has reached the model and is waiting */
  stallsPending(): number;
  close(): Promise<void>;
}

/** The wire APIs the scripted model speaks, tried in order. Adding one = a module + a line here. */
const DIALECTS: readonly Dialect[] = [openaiDialect, anthropicDialect, geminiDialect];

/**
 * A scripted stand-in for the model behind the CLIs, on loopback only, speaking each provider's wire
 * API (see DIALECTS). The script comes from `@mock` lines in the user's prompt (see script.ts).
 */
export async function startMockModel(
  opts: {
    port?: number;
    host?: string;
    /** directives applied to every request, before the prompt's own */ script?: string;
  } = {},
): Promise<MockModelServer> {
  /** per prompt: how many times `fail … <times>` has fired */
  const failures = new Map<string, number>();
  /** ends pending stalls on close: a stall's timer would otherwise keep the process alive for its whole length */
  const closing = new AbortController();
  let stallsPending = 0;

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void answer(req, res, body).catch(() => res.destroy());
    });
  });

  const json = (res: http.ServerResponse, status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const dialect = DIALECTS.find((d) => d.matches(method, url));
    if (!dialect) return json(res, 404, errorBody(404));
    const other = dialect.answerOther?.(method, url, body);
    if (other) return json(res, other.status, other.body);
    const conv = dialect.read(url, body);
    if (!conv) return dialect.writeError(res, 404);

    const script = parseScript(`${opts.script ?? ''}\n${conv.userText}`);
    if (script.fail) {
      const n = failures.get(conv.userText) ?? 0;
      if (script.fail.times === null || n < script.fail.times) {
        failures.set(conv.userText, n + 1);
        return dialect.writeError(res, script.fail.status);
      }
    }
    // the first answer of each conversation: a restarted run stalls again
    if (conv.isAgent && script.stallSec > 0 && !conv.hasAssistantTurn) {
      // a client that hangs up (a stopped agent) ends its stall too
      const hungUp = new AbortController();
      const onClose = () => hungUp.abort();
      res.once('close', onClose);
      closing.signal.addEventListener('abort', onClose, { once: true });
      stallsPending++;
      try {
        await delay(script.stallSec * 1000, undefined, { signal: hungUp.signal });
      } finally {
        stallsPending--;
        closing.signal.removeEventListener('abort', onClose);
      }
      if (res.destroyed) return;
    }
    const turn = nextTurn(script, conv.toolResultsSeen);
    const reply =
      turn.kind === 'answer' ? { ...turn, words: script.slowMs > 0 ? turn.text.split(/(?<= )/) : [turn.text] } : turn;
    const pace = async () => {
      if (script.slowMs > 0) await sleep(script.slowMs);
      return !res.destroyed;
    };
    await dialect.writeTurn(res, reply, conv, pace);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    stallsPending: () => stallsPending,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
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
