import type { Conversation, Dialect, Reply } from './dialect.js';

/** A `Content` of the Gemini API: one turn, made of parts (text, a function call, or a function's result). */
interface Content {
  role?: string;
  parts?: Array<{ text?: string; thought?: boolean; functionCall?: unknown; functionResponse?: unknown }>;
}

interface GenerateRequest {
  contents?: Content[];
  tools?: Array<{ functionDeclarations?: Array<{ name?: string }> }>;
}

/** `/v1beta/models/<model>:<method>`: the model and the method from the path. */
const ROUTE = /\/v1(?:beta|alpha)?\/models\/([^/:?]+):(\w+)/;

/** Google's status names and messages, so the CLI classifies (and retries) each failure as it would in production. */
const ERRORS: Record<number, [string, string]> = {
  400: ['INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  401: ['UNAUTHENTICATED', 'API key not valid. Please pass a valid API key.'],
  403: ['PERMISSION_DENIED', 'Permission denied: this API key cannot use the model.'],
  404: [
    'NOT_FOUND',
    'models/the-requested-model is not found for API version v1beta, or is not supported for generateContent.',
  ],
  // "limit: 0" marks an exhausted quota: the CLI gives up at once instead of backing off for minutes
  429: [
    'RESOURCE_EXHAUSTED',
    'Resource has been exhausted (e.g. check quota). Quota exceeded for metric: generate_content_requests, limit: 0',
  ],
  500: [
    'INTERNAL',
    'An internal error has occurred. Please retry or report in ' +
      'https://developers.generativeai.google/guide/troubleshooting',
  ],
  503: ['UNAVAILABLE', 'The model is overloaded. Please try again later.'],
};

export function googleErrorBody(status: number): { error: { code: number; message: string; status: string } } {
  const [name, message] = ERRORS[status] ?? ['UNKNOWN', `HTTP ${status} from the scripted model`];
  return { error: { code: status, message, status: name } };
}

/** The script's tools under the names and argument shapes the gemini CLI declares. */
function functionCall(turn: Extract<Reply, { kind: 'tool_call' }>): { name: string; args: Record<string, string> } {
  return turn.tool === 'write'
    ? { name: 'write_file', args: { file_path: turn.args.filePath, content: turn.args.content } }
    : { name: 'run_shell_command', args: { command: turn.args.command, description: turn.args.description } };
}

const usage = (conv: Conversation) => {
  const prompt = Math.ceil(conv.userText.length / 4);
  return { promptTokenCount: prompt, candidatesTokenCount: 8, totalTokenCount: prompt + 8 };
};

/**
 * The Gemini API (`generativelanguage.googleapis.com` v1beta) as the gemini CLI calls it with an API key:
 * `:streamGenerateContent?alt=sse` for the agent's turns, `:generateContent` and `:countTokens` besides,
 * and the model list.
 */
export const geminiDialect: Dialect = {
  name: 'gemini',
  matches: (_method, url) => ROUTE.test(url) || /\/v1(?:beta|alpha)?\/models(?:\?|$)/.test(url),
  answerOther(method, url, body) {
    if (method === 'GET' && !ROUTE.test(url)) {
      const models = ['gemini-3-flash-preview', 'gemini-3-pro-preview', 'gemini-2.5-flash', 'gemini-2.5-pro'];
      return {
        status: 200,
        body: {
          models: models.map((m) => ({
            name: `models/${m}`,
            displayName: `${m} (scripted)`,
            supportedGenerationMethods: ['generateContent', 'countTokens'],
          })),
        },
      };
    }
    if (ROUTE.exec(url)?.[2] === 'countTokens') {
      return { status: 200, body: { totalTokens: Math.ceil(body.length / 4) } };
    }
    return null;
  },
  read(url, body): Conversation | null {
    const route = ROUTE.exec(url);
    if (!route || !/^(streamGenerateContent|generateContent)$/.test(route[2])) return null;
    const payload = JSON.parse(body || '{}') as GenerateRequest;
    const contents = payload.contents ?? [];
    const parts = contents.flatMap((c) => c.parts ?? []);
    const tools = (payload.tools ?? []).flatMap((t) => t.functionDeclarations ?? []).map((f) => f.name ?? '');
    return {
      model: decodeURIComponent(route[1]),
      userText: contents
        .filter((c) => c.role !== 'model')
        .flatMap((c) => c.parts ?? [])
        .map((p) => p.text ?? '')
        .filter(Boolean)
        .join('\n'),
      isAgent: tools.length > 0,
      toolResultsSeen: parts.filter((p) => p.functionResponse).length,
      hasAssistantTurn: contents.some((c) => c.role === 'model'),
      stream: route[2] === 'streamGenerateContent',
      tools,
    };
  },
  writeError(res, status) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(googleErrorBody(status)));
  },
  async writeTurn(res, turn, conv, pace) {
    const candidate = (parts: object[], finishReason?: string) => ({
      content: { role: 'model', parts },
      index: 0,
      ...(finishReason ? { finishReason } : {}),
    });
    const last = (parts: object[]) => ({
      candidates: [candidate(parts, 'STOP')],
      usageMetadata: usage(conv),
      modelVersion: conv.model,
    });
    // side calls (no tools offered) get a short answer; the agent's turns follow the script
    const words = !conv.isAgent ? ['Scripted job'] : turn.kind === 'answer' ? turn.words : [];
    const call =
      conv.isAgent && turn.kind === 'tool_call' ? [{ functionCall: { ...functionCall(turn), id: turn.id } }] : [];
    if (!conv.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(last(call.length ? call : [{ text: words.join('') }])));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\r\n\r\n`);
    if (call.length) {
      send(last(call));
    } else {
      for (const [i, w] of words.entries()) {
        if (!(await pace())) return;
        send(
          i < words.length - 1
            ? { candidates: [candidate([{ text: w }])], modelVersion: conv.model }
            : last([{ text: w }]),
        );
      }
    }
    res.end();
  },
};

/** The environment that points the gemini CLI (through dx-runner's gemini provider) at the scripted model. */
export const geminiEnv = (baseUrl: string): Record<string, string> => ({
  GOOGLE_GEMINI_BASE_URL: baseUrl,
  GEMINI_API_KEY: 'mock-key',
});
