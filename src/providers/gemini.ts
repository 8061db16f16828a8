import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runnerHome } from '../core/home.js';
import { installHint, resolveCliBinary, type CliPackage } from './binary.js';
import { classifyFailure } from './errors.js';
import type { AgentEvent, AuthCheck, LaunchRequest, LaunchSetup, LaunchSpec, ProviderAdapter } from './types.js';

export const GEMINI_CANONICAL_MODEL = 'gemini-3-flash-preview';

const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

/**
 * The settings every job runs with. The CLI reads them from a home of its own (GEMINI_CLI_HOME), never the
 * operator's ~/.gemini: nothing leaves the machine but model calls (no telemetry, usage statistics or
 * update checks), no IDE, and no folder-trust prompt. The API key is the only auth: with a custom base
 * URL the CLI would otherwise pick its "gateway" auth, which headless mode refuses.
 */
const SETTINGS = {
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  ide: { enabled: false },
  security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
};

/** `$DX_RUNNER_GEMINI_HOME`, else `gemini/` in the dx-runner home: the CLI's private home, shared by its jobs. */
export const geminiHome = (env: NodeJS.ProcessEnv) =>
  path.resolve(env.DX_RUNNER_GEMINI_HOME || path.join(runnerHome(env), 'gemini'));

/**
 * Approval: `auto_edit` lets the CLI's file tools write unattended (and only inside the worktree: the CLI
 * refuses paths outside its workspace); shell commands are allowed by a policy rule, every command or only
 * the prefixes in DX_RUNNER_GEMINI_SHELL_ALLOW. Anything else that would ask is denied headless, never waits.
 */
export function shellPolicy(allow: string | undefined): string {
  const prefixes = (allow ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return [
    '# written by dx-runner: shell commands its gemini jobs may run without asking',
    '[[rule]]',
    'toolName = "run_shell_command"',
    ...(prefixes.length ? [`commandPrefix = [${prefixes.map((p) => JSON.stringify(p)).join(', ')}]`] : []),
    'decision = "allow"',
    'priority = 100',
    '',
  ].join('\n');
}

/**
 * The private home: its settings, its temp dir and the shell policy (named by its content: concurrent jobs may
 * differ), as the launch step makes them.
 */
function privateHome(env: NodeJS.ProcessEnv): { home: string; policy: string; tmp: string; setup: LaunchSetup } {
  const home = geminiHome(env);
  const tmp = path.join(home, 'tmp');
  const text = shellPolicy(env.DX_RUNNER_GEMINI_SHELL_ALLOW);
  const policy = path.join(
    home,
    'policies',
    `shell-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.toml`,
  );
  const settings = {
    path: path.join(home, '.gemini', 'settings.json'),
    text: `${JSON.stringify(SETTINGS, null, 2)}\n`,
  };
  return { home, policy, tmp, setup: { dirs: [tmp], files: [settings, { path: policy, text }] } };
}

const GEMINI_CLI: CliPackage = { envVar: 'DX_RUNNER_GEMINI_BIN', pkg: '@google/gemini-cli', bin: 'gemini' };

export const resolveGeminiBinary = (explicit: string | undefined, env: NodeJS.ProcessEnv): string =>
  resolveCliBinary(explicit, env, GEMINI_CLI);

const apiKey = (env: NodeJS.ProcessEnv) => env.GEMINI_API_KEY || env.GOOGLE_API_KEY || '';

function checkAuth(env: NodeJS.ProcessEnv): AuthCheck {
  if (env.GEMINI_API_KEY) return { ok: true, source: 'env:GEMINI_API_KEY' };
  if (env.GOOGLE_API_KEY) return { ok: true, source: 'env:GOOGLE_API_KEY' };
  return {
    ok: false,
    reasonCode: 'gemini_auth_missing',
    detail: 'no Gemini API key: set GEMINI_API_KEY (or GOOGLE_API_KEY)',
  };
}

/** The `node_modules` folder the CLI's real entry file lies in (its dependencies beside it), else its folder. */
function packageTree(command: string): string {
  let real = command;
  try {
    real = fs.realpathSync(command);
  } catch {
    // a command not found is refused before launch (provider_binary_missing)
  }
  const i = real.indexOf(`${path.sep}node_modules${path.sep}`);
  return i >= 0 ? real.slice(0, i + '/node_modules'.length) : path.dirname(real);
}

function buildLaunch(req: LaunchRequest): LaunchSpec {
  const { home, policy, tmp, setup } = privateHome(req.env);
  const key = apiKey(req.env);
  const command = resolveGeminiBinary(req.binary, req.env);
  return {
    command,
    // no -p: the CLI reads the prompt from stdin and runs headless when stdin is not a terminal
    args: ['--output-format', 'stream-json', '--approval-mode', 'auto_edit', '--policy', policy, '--model', req.model],
    env: {
      ...req.env,
      GEMINI_CLI_HOME: home,
      // the CLI dumps failed API calls, conversation included, into the temp dir: keep them private
      TMPDIR: tmp,
      // the CLI itself reads only GEMINI_API_KEY for API-key auth
      ...(key ? { GEMINI_API_KEY: key } : {}),
      GEMINI_TELEMETRY_ENABLED: 'false',
      NO_BROWSER: 'true', // never open a browser for a login
    },
    promptVia: 'stdin',
    setup,
    // under the sandbox the CLI writes its private home (settings, sessions, its temp dir) and reads its whole
    // package with its dependencies (its entry imports them), which may sit under /tmp like a CI checkout
    sandbox: { writable: [home], readable: [packageTree(command)] },
  };
}

interface GeminiLine {
  type?: string;
  session_id?: string;
  model?: string;
  role?: string;
  content?: string;
  tool_name?: string;
  tool_id?: string;
  parameters?: { file_path?: string; command?: string; dir_path?: string; pattern?: string };
  status?: string;
  severity?: string;
  message?: string;
  error?: { type?: string; message?: string };
  stats?: { input_tokens?: number; output_tokens?: number };
}

const parseLine = (line: string): GeminiLine | null => {
  try {
    const ev = JSON.parse(line) as unknown;
    return typeof ev === 'object' && ev !== null ? (ev as GeminiLine) : null;
  } catch {
    return null;
  }
};

/** the CLI names every call id `<tool>__<id>` */
const toolOf = (id: string | undefined) => (id?.includes('__') ? id.slice(0, id.lastIndexOf('__')) : 'unknown');

/** `"code":401` inside a wrapped API error: the HTTP status, when the message carries one */
const statusIn = (message: string): number | undefined => {
  const m = /"code"\s*:\s*(\d{3})/.exec(message);
  return m ? Number(m[1]) : undefined;
};

const reasonOf = (message: string) => `gemini_${classifyFailure(statusIn(message), message)}`;

/** `--output-format stream-json`: init, message, tool_use, tool_result, error and result lines. */
function parseStdoutLine(line: string): AgentEvent[] {
  const ev = parseLine(line);
  switch (ev?.type) {
    case 'init':
      return typeof ev.session_id === 'string' ? [{ kind: 'session', sessionId: ev.session_id }] : [];
    case 'message':
      return ev.role === 'assistant' ? [{ kind: 'text' }] : [];
    case 'tool_result': // a finished call (tool_use only announces it)
      return [{ kind: 'tool', tool: toolOf(ev.tool_id) }];
    case 'error':
      // warnings (a blocked hook, a loop notice) do not end the run; errors do
      return ev.severity === 'error'
        ? [{ kind: 'error', reason: reasonOf(ev.message ?? ''), message: ev.message ?? '' }]
        : [];
    case 'result': {
      if (ev.status === 'success') {
        return [
          {
            kind: 'step_finish',
            final: true,
            tokensIn: ev.stats?.input_tokens ?? 0,
            tokensOut: ev.stats?.output_tokens ?? 0,
          },
        ];
      }
      const message = ev.error?.message ?? ev.error?.type ?? 'unknown error';
      return [{ kind: 'error', reason: reasonOf(message), message }];
    }
    default:
      return [];
  }
}

/** One stream line as `logs` shows it. */
function renderLine(line: string): string {
  const ev = parseLine(line);
  const p = ev?.parameters;
  switch (ev?.type) {
    case 'init':
      return `[session] ${ev.session_id ?? ''} model=${ev.model ?? ''}`;
    case 'message':
      return ev.role === 'assistant' ? `[text] ${ev.content ?? ''}` : `[prompt] ${(ev.content ?? '').length} chars`;
    case 'tool_use':
      return `[tool:${ev.tool_name}] ${p?.file_path ?? p?.command ?? p?.dir_path ?? p?.pattern ?? ''}`.trimEnd();
    case 'tool_result':
      return (
        `[tool:${toolOf(ev.tool_id)}] ${ev.status ?? ''}` +
        (ev.error?.message ? `: ${ev.error.message.slice(0, 160)}` : '')
      );
    case 'error':
      return `[${ev.severity ?? 'error'}] ${ev.message ?? ''}`;
    case 'result':
      return ev.status === 'success'
        ? `[result] success (${ev.stats?.input_tokens ?? 0} tokens in, ${ev.stats?.output_tokens ?? 0} out)`
        : `[result] error: ${ev.error?.message ?? ''}`;
    default:
      return line;
  }
}

/**
 * The CLI retries 429/5xx itself and says so only on stderr:
 * `Attempt 2 failed with status 500. Retrying with backoff... <error>`.
 */
const RETRY = /^Attempt \d+ failed(?: with status (\d{3}))?(?::|\.)? ?(.*?Retrying.*)$/;

/** The CLI refuses to start without a key with a plain stderr line (exit 41) and no stream event. */
const NO_KEY = /must specify the GEMINI_API_KEY/;

function parseStderrLine(line: string): AgentEvent[] {
  if (NO_KEY.test(line)) return [{ kind: 'error', reason: 'gemini_auth_failed', message: line }];
  const m = RETRY.exec(line);
  if (!m) return [];
  const message = m[2];
  return [
    { kind: 'retry', reason: `gemini_${classifyFailure(m[1] ? Number(m[1]) : statusIn(message), message)}`, message },
  ];
}

/** The models the API key can use, from the API itself (the CLI has no listing); null when it cannot tell. */
async function listModels(_binary: string, env: NodeJS.ProcessEnv, boundMs = 15_000): Promise<string[] | null> {
  const key = apiKey(env);
  if (!key) return null;
  const base = (env.GOOGLE_GEMINI_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, '');
  try {
    const r = await fetch(`${base}/v1beta/models?pageSize=1000`, {
      headers: { 'x-goog-api-key': key },
      signal: AbortSignal.timeout(boundMs),
    });
    if (!r.ok) return null;
    const body = (await r.json()) as { models?: Array<{ name?: string }> };
    return (body.models ?? []).map((m) => (m.name ?? '').replace(/^models\//, '')).filter(Boolean);
  } catch {
    return null;
  }
}

export const geminiAdapter: ProviderAdapter = {
  name: 'gemini',
  cli: 'gemini',
  defaultMaxParallel: 1,
  defaultModel: GEMINI_CANONICAL_MODEL,
  lanes: ['headless'],
  modelEnv: 'GEMINI_MODEL',
  installHint: installHint(GEMINI_CLI),
  resolveBinary: resolveGeminiBinary,
  checkAuth,
  listModels,
  buildLaunch,
  parseStdoutLine,
  parseStderrLine,
  renderLine,
};
