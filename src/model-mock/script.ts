/**
 * The scripted model's language: `@mock …` lines anywhere in the prompt.
 *
 *   @mock write <path> <content>   write a file through the agent's `write` tool (\n in content = newline)
 *   @mock bash <command>           run a shell command through the agent's `bash` tool
 *   @mock say <text>               the final answer (default "Done.")
 *   @mock fail <status> [times]    answer HTTP <status> (every time, or only the first <times> requests)
 *   @mock stall <seconds>          wait before the first answer of each conversation (each run)
 *   @mock slow <ms>                stream the answer word by word, <ms> apart
 */
/** One tool call the model makes, in prompt order. */
export type MockAction =
  | { tool: 'write'; args: { filePath: string; content: string } }
  | { tool: 'bash'; args: { command: string; description: string } };

export interface MockScript {
  actions: MockAction[];
  say: string;
  fail: { status: number; times: number | null } | null;
  stallSec: number;
  slowMs: number;
}

export function parseScript(prompt: string): MockScript {
  const script: MockScript = { actions: [], say: 'Done.', fail: null, stallSec: 0, slowMs: 0 };
  for (const raw of prompt.split('\n')) {
    const m = /^\s*@mock\s+(\S+)\s*(.*)$/.exec(raw);
    if (!m) continue;
    const [, verb, rest] = m;
    switch (verb) {
      case 'write': {
        const w = /^(\S+)\s?(.*)$/.exec(rest);
        if (w) script.actions.push({ tool: 'write', args: { filePath: w[1], content: w[2].replace(/\\n/g, '\n') } });
        break;
      }
      case 'bash':
        if (rest)
          script.actions.push({ tool: 'bash', args: { command: rest, description: 'Run the scripted command' } });
        break;
      case 'say':
        script.say = rest;
        break;
      case 'fail': {
        const [status, times] = rest.split(/\s+/).map(Number);
        if (status >= 100 && status <= 599)
          script.fail = { status, times: Number.isInteger(times) && times > 0 ? times : null };
        break;
      }
      case 'stall':
        script.stallSec = Number(rest) || 0;
        break;
      case 'slow':
        script.slowMs = Number(rest) || 0;
        break;
    }
  }
  return script;
}

/** The model's next move in an agent conversation, given how many tool results it has seen. */
export type Turn = ({ kind: 'tool_call'; id: string } & MockAction) | { kind: 'answer'; text: string };

export function nextTurn(script: MockScript, toolResultsSeen: number): Turn {
  const action = script.actions[toolResultsSeen];
  if (action) return { kind: 'tool_call', id: `call_${toolResultsSeen + 1}`, ...action };
  return { kind: 'answer', text: script.say };
}

/** Error bodies shaped like real providers', so the agent reports them the way it would in production. */
export function errorBody(status: number): { error: { message: string; type: string; code: string } } {
  const messages: Record<number, [string, string]> = {
    401: ['Invalid API key provided', 'authentication_error'],
    403: ['Forbidden: this key cannot use the model', 'permission_error'],
    404: ['Model not found: the requested model does not exist', 'not_found_error'],
    429: ['Rate limit reached for requests: too many requests', 'rate_limit_error'],
    500: ['Internal server error', 'api_error'],
    503: ['Service unavailable: the model is overloaded', 'overloaded_error'],
  };
  const [message, type] = messages[status] ?? [`HTTP ${status} from the scripted model`, 'api_error'];
  return { error: { message, type, code: String(status) } };
}
