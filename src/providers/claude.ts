import os from 'node:os';
import path from 'node:path';
import { runnerHome } from '../core/home.js';
import { installHint, resolveCliBinary, type CliPackage } from './binary.js';
import { classifyFailure } from './errors.js';
import type { AgentEvent, LaunchRequest, LaunchSpec } from './types.js';

/**
 * The Claude Code CLI (`claude`) as a headless job: shared by the cc-glm and claude-code providers,
 * which differ only in endpoint, credentials and model.
 */

const CLAUDE_CLI: CliPackage = { envVar: 'DX_RUNNER_CLAUDE_BIN', pkg: '@anthropic-ai/claude-code', bin: 'claude' };

export const CLAUDE_INSTALL_HINT = installHint(CLAUDE_CLI);

export const resolveClaudeBinary = (explicit: string | undefined, env: NodeJS.ProcessEnv): string =>
  resolveCliBinary(explicit, env, CLAUDE_CLI);

/** Nothing but the model endpoint: no telemetry, error reports, auto-update or other background traffic. */
const OFFLINE_ENV = {
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_AUTOUPDATER: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
};

/**
 * A Claude Code config directory owned by dx-runner (`$DX_RUNNER_HOME/claude-config/<provider>`, 0700, made
 * at launch): the operator's own login, settings, hooks and MCP servers in ~/.claude never reach the job, and
 * the job's sessions (transcripts) stay apart from theirs.
 */
export const privateConfigDir = (env: NodeJS.ProcessEnv, provider: string): string =>
  path.join(runnerHome(env), 'claude-config', provider);

export interface ClaudeLaunch {
  /** variables set for the CLI (endpoint, credentials, config dir: a private one is made at launch) */
  set: NodeJS.ProcessEnv;
  /** inherited variables the CLI must not see (credentials meant for another endpoint) */
  drop: readonly string[];
  /** arguments after the common ones */
  extraArgs?: readonly string[];
}

export function buildClaudeLaunch(req: LaunchRequest, o: ClaudeLaunch): LaunchSpec {
  const env: NodeJS.ProcessEnv = { ...req.env };
  for (const k of o.drop) delete env[k];
  Object.assign(env, OFFLINE_ENV, o.set);
  // Claude Code retries a failing call (even a 401) ten times over minutes; give up where the
  // supervisor would fail the job fast anyway, so a probe or job ends with the provider's own error
  env.CLAUDE_CODE_MAX_RETRIES ??= env.DX_RUNNER_PROVIDER_RETRY_LIMIT ?? '3';
  return {
    command: resolveClaudeBinary(req.binary, req.env),
    args: [
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model',
      req.model,
      // never blocks, stays in the worktree: edits inside it are accepted, edits outside it are refused
      // (no one answers a prompt in -p mode), shell commands are allowed as for opencode.
      // bypassPermissions is refused when running as root, and would not keep edits in the worktree.
      '--permission-mode',
      'acceptEdits',
      '--allowedTools=Bash',
      ...(o.extraArgs ?? []),
    ],
    env,
    promptVia: 'stdin',
    setup: { dirs: o.set.CLAUDE_CONFIG_DIR ? [o.set.CLAUDE_CONFIG_DIR] : [], files: [] },
    // under the sandbox the CLI writes its config dir (sessions, settings), the private one or the operator's
    sandbox: { writable: [env.CLAUDE_CONFIG_DIR || path.join(env.HOME || os.homedir(), '.claude')], readable: [] },
  };
}

type ContentBlock = {
  type?: string;
  name?: string;
  text?: string;
  input?: { file_path?: string; command?: string };
  content?: unknown;
  is_error?: boolean;
};

interface ClaudeLine {
  type?: string;
  subtype?: string;
  session_id?: string;
  model?: string;
  message?: { content?: ContentBlock[] };
  /** an assistant message Claude Code made up from a failed API call */
  is_api_error_message?: boolean;
  api_error_status?: number | null;
  /** the failure category (`authentication_failed`, `rate_limit`, `model_not_found` …) */
  error?: string;
  is_error?: boolean;
  result?: string;
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    cache_read_input_tokens?: number;
    cache_creation_input_tokens?: number;
  };
  /** system/api_retry */
  attempt?: number;
  max_retries?: number;
  error_status?: number | null;
}

const textOf = (ev: ClaudeLine) =>
  (ev.message?.content ?? [])
    .map((b) => b.text ?? '')
    .join(' ')
    .trim();

/** Result subtypes that are not an API failure (the CLI's own limits). */
const RESULT_ERRORS: Record<string, string> = {
  error_max_turns: 'max_turns_reached',
  error_max_budget_usd: 'budget_exceeded',
};

/**
 * `--output-format stream-json --verbose`: one JSON object per line — `system/init` (session id),
 * `assistant` (text and tool_use blocks), `user` (tool results), `system/api_retry`, and one final `result`
 * with the usage and is_error. `prefix` makes reason codes like `cc_glm_auth_failed`.
 */
export function claudeStreamParser(prefix: string): (line: string) => AgentEvent[] {
  const reason = (status: number | null | undefined, message: string) =>
    `${prefix}_${classifyFailure(status ?? undefined, message)}`;
  return (line) => {
    let ev: ClaudeLine;
    try {
      ev = JSON.parse(line) as ClaudeLine;
    } catch {
      return [];
    }
    if (typeof ev !== 'object' || ev === null) return [];
    const out: AgentEvent[] = [];
    if (typeof ev.session_id === 'string') out.push({ kind: 'session', sessionId: ev.session_id });
    switch (ev.type) {
      case 'system':
        if (ev.subtype === 'api_retry') {
          const message =
            `API call failed (${ev.error_status ?? 'no status'} ${ev.error ?? ''}), ` +
            `retry ${ev.attempt ?? '?'}/${ev.max_retries ?? '?'}`;
          out.push({ kind: 'retry', reason: reason(ev.error_status, ev.error ?? ''), message });
        }
        break;
      case 'assistant':
        if (ev.is_api_error_message) {
          const message = textOf(ev) || ev.error || 'API error';
          out.push({ kind: 'error', reason: reason(ev.api_error_status, `${ev.error ?? ''} ${message}`), message });
          break;
        }
        for (const b of ev.message?.content ?? []) {
          if (b.type === 'text' && b.text?.trim()) out.push({ kind: 'text', text: b.text });
          else if (b.type === 'tool_use') out.push({ kind: 'tool', tool: b.name ?? 'unknown' });
        }
        break;
      case 'result': {
        if (ev.is_error) {
          const message = ev.result || ev.subtype || 'error';
          const own = ev.api_error_status ? undefined : RESULT_ERRORS[ev.subtype ?? ''];
          out.push({
            kind: 'error',
            reason: own ? `${prefix}_${own}` : reason(ev.api_error_status, `${ev.error ?? ''} ${message}`),
            message,
          });
          break;
        }
        const u = ev.usage ?? {};
        out.push({
          kind: 'step_finish',
          final: true,
          tokensIn: (u.input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
          tokensOut: u.output_tokens ?? 0,
        });
        break;
      }
    }
    return out;
  };
}

/** One stream-json line as `logs` shows it (anything else passes through). */
export function renderClaudeLine(line: string): string {
  let e: ClaudeLine;
  try {
    e = JSON.parse(line) as ClaudeLine;
  } catch {
    return line;
  }
  const short = (v: unknown) =>
    (typeof v === 'string' ? v : JSON.stringify(v ?? '')).replace(/\s+/g, ' ').slice(0, 160);
  switch (e.type) {
    case 'system':
      if (e.subtype === 'init') return `[session] ${e.session_id ?? ''} model=${e.model ?? '?'}`;
      if (e.subtype === 'api_retry')
        return `[retry] ${e.attempt ?? '?'}/${e.max_retries ?? '?'} ${e.error_status ?? ''} ${e.error ?? ''}`.trimEnd();
      return `[system] ${e.subtype ?? ''}`;
    case 'assistant':
    case 'user':
      return (e.message?.content ?? [])
        .map((b) => {
          if (b.type === 'text') return `[${e.is_api_error_message ? 'error' : 'text'}] ${b.text ?? ''}`;
          if (b.type === 'tool_use')
            return `[tool:${b.name}] ${b.input?.file_path ?? b.input?.command ?? ''}`.trimEnd();
          if (b.type === 'tool_result') return `[tool result${b.is_error ? ' error' : ''}] ${short(b.content)}`;
          return `[${b.type}]`;
        })
        .join('\n');
    case 'result':
      return `[result] ${e.is_error ? 'error' : 'ok'} ${e.subtype ?? ''}: ${short(e.result)}`;
    default:
      return line;
  }
}

/** stderr carries only diagnostics (the stream has the errors): nothing to count. */
export const ignoreStderr = (): AgentEvent[] => [];
