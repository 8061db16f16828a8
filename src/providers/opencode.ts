import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { CLI_ENTRY } from '../core/detached.js';
import { installHint, resolveCliBinary, type CliPackage } from './binary.js';
import { classifyFailure } from './errors.js';
import type { AgentEvent, LaunchRequest, LaunchSpec, ProviderAdapter, SandboxNeeds } from './types.js';

export const OPENCODE_CANONICAL_MODEL = 'zhipuai-coding-plan/glm-5';

/**
 * Headless jobs must never wait on a permission prompt, and must not touch files outside their worktree:
 * edits and shell run unattended inside it, anything outside is refused.
 */
const HEADLESS_PERMISSION = JSON.stringify({
  edit: 'allow',
  bash: 'allow',
  webfetch: 'allow',
  external_directory: 'deny',
});

const OPENCODE_CLI: CliPackage = { envVar: 'DX_RUNNER_OPENCODE_BIN', pkg: 'opencode-ai', bin: 'opencode' };

/** The opencode binary: explicit flag, env override, the `opencode-ai` package (a dependency), then PATH. */
export const resolveOpencodeBinary = (explicit: string | undefined, env: NodeJS.ProcessEnv): string =>
  resolveCliBinary(explicit, env, OPENCODE_CLI);

/**
 * Under the sandbox: OpenCode writes its data, config, cache and state dirs (XDG, else under HOME) and its
 * config dir when one is named; it reads the config file OPENCODE_CONFIG names.
 */
function sandboxNeeds(env: NodeJS.ProcessEnv): SandboxNeeds {
  const home = env.HOME || os.homedir();
  const xdg = (variable: string, fallback: string) => path.join(env[variable] || path.join(home, fallback), 'opencode');
  return {
    writable: [
      xdg('XDG_DATA_HOME', '.local/share'),
      xdg('XDG_CONFIG_HOME', '.config'),
      xdg('XDG_CACHE_HOME', '.cache'),
      xdg('XDG_STATE_HOME', '.local/state'),
      ...(env.OPENCODE_CONFIG_DIR ? [env.OPENCODE_CONFIG_DIR] : []),
    ],
    readable: env.OPENCODE_CONFIG ? [env.OPENCODE_CONFIG] : [],
  };
}

function buildLaunch(req: LaunchRequest): LaunchSpec {
  const env: NodeJS.ProcessEnv = {
    ...req.env,
    OPENCODE_PERMISSION: req.env.OPENCODE_PERMISSION ?? HEADLESS_PERMISSION,
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    ...(req.server?.password ? { OPENCODE_SERVER_PASSWORD: req.server.password } : {}),
  };
  if (req.lane === 'server' && req.server) {
    // the job is a session on the shared server, driven through the SDK by dx-runner's own driver
    return {
      command: process.execPath,
      args: [
        CLI_ENTRY,
        '__server-session',
        '--url',
        req.server.url,
        '--model',
        req.model,
        '--dir',
        req.worktree,
        '--title',
        req.beads,
      ],
      env,
      promptVia: 'stdin',
    };
  }
  return {
    command: resolveOpencodeBinary(req.binary, req.env),
    // WARN-level logs on stderr are how retried 429/5xx calls become visible (the JSON stream stays silent).
    args: [
      'run',
      '--format',
      'json',
      '--print-logs',
      '--log-level',
      'WARN',
      '-m',
      req.model,
      '--dir',
      req.worktree,
      '--title',
      req.beads,
      ...(req.lane === 'attach' && req.server ? ['--attach', req.server.url] : []),
    ],
    env,
    promptVia: 'stdin',
    sandbox: sandboxNeeds(req.env),
  };
}

interface OpencodeLine {
  type?: string;
  sessionID?: string;
  /** `retry` lines (server lane): the model call failed and is being retried */
  message?: string;
  part?: {
    text?: string;
    tool?: string;
    reason?: string;
    tokens?: { input?: number; output?: number; reasoning?: number };
  };
  error?: {
    name?: string;
    message?: string;
    data?: { message?: string; statusCode?: number };
    /** an attach client's failed call to its server: `{code: 'ECONNRESET', path: <url>}`, nothing else */
    code?: string;
    path?: string;
  };
}

function parseStdoutLine(line: string): AgentEvent[] {
  let ev: OpencodeLine;
  try {
    ev = JSON.parse(line) as OpencodeLine;
  } catch {
    return [];
  }
  if (typeof ev !== 'object' || ev === null) return [];
  const out: AgentEvent[] = [];
  if (typeof ev.sessionID === 'string') out.push({ kind: 'session', sessionId: ev.sessionID });
  switch (ev.type) {
    case 'text':
      out.push({ kind: 'text', text: ev.part?.text });
      break;
    case 'tool_use':
      out.push({ kind: 'tool', tool: ev.part?.tool ?? 'unknown' });
      break;
    case 'step_finish': {
      const t = ev.part?.tokens ?? {};
      out.push({
        kind: 'step_finish',
        // a step that ends for a reason other than tool calls is the agent's final answer
        final: ev.part?.reason !== 'tool-calls',
        tokensIn: t.input ?? 0,
        tokensOut: (t.output ?? 0) + (t.reasoning ?? 0),
      });
      break;
    }
    case 'error': {
      const call = ev.error?.code && [ev.error.code, ev.error.path].filter(Boolean).join(' ');
      const message = ev.error?.data?.message ?? ev.error?.message ?? ev.error?.name ?? (call || 'unknown error');
      const named = `${ev.error?.name ?? ''} ${message}`;
      // the shared server went away mid-run (server lane): not the model's fault, re-dispatchable
      const reason =
        ev.error?.name === 'ServerLost'
          ? 'server_lost'
          : `opencode_${classifyFailure(ev.error?.data?.statusCode, named)}`;
      out.push({ kind: 'error', reason, message });
      break;
    }
    case 'retry':
      out.push({
        kind: 'retry',
        reason: `opencode_${classifyFailure(undefined, ev.message ?? '')}`,
        message: ev.message ?? '',
      });
      break;
  }
  return out;
}

/** `--print-logs` lines look like `level=ERROR ... message="stream error" ... error.error="AI_APICallError: …"`. */
const STREAM_ERROR = /level=ERROR .*message="stream error".*error\.error="([^"]*)"/;

/**
 * A failed run's cause: `level=ERROR … message=failed … error="ProviderModelNotFoundError: Model not found: …"`.
 * The JSON stream then says only `UnknownError` ("Unexpected server error"), so this line is what names it.
 */
const RUN_FAILED = /level=ERROR .*message=failed .*error="([^"]*)"/;

/**
 * OpenCode's own SQLite database refused it: `database is locked`, or a migration query that failed because
 * another run was creating the same tables (seen when several runs start together on one data home).
 */
const STORE_BUSY = /database is locked|SQLITE_BUSY|^Failed query:/;

function parseStderrLine(line: string): AgentEvent[] {
  if (STORE_BUSY.test(line)) return [{ kind: 'retry', reason: 'opencode_store_busy', message: line }];
  const m = STREAM_ERROR.exec(line);
  if (m) return [{ kind: 'retry', reason: `opencode_${classifyFailure(undefined, m[1])}`, message: m[1] }];
  const failed = RUN_FAILED.exec(line);
  const cls = failed && classifyFailure(undefined, failed[1]);
  // a cause no rule places adds nothing to the stream's own error event
  return failed && cls !== 'error_event' ? [{ kind: 'error', reason: `opencode_${cls}`, message: failed[1] }] : [];
}

/**
 * `opencode models`: one provider/model per line. The bound is generous: on a busy host the listing has taken
 * close to 30 s, and a listing cut short turns off start's fail-fast model check for that start.
 */
function listModels(binary: string, env: NodeJS.ProcessEnv, boundMs = 90_000): Promise<string[] | null> {
  return new Promise((resolve) => {
    execFile(binary, ['models'], { env, timeout: boundMs, maxBuffer: 8 * 1024 * 1024 }, (err, stdout) => {
      if (err) return resolve(null);
      resolve(
        stdout
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /^[a-z0-9._-]+\/\S+$/i.test(l)),
      );
    });
  });
}

export const opencodeAdapter: ProviderAdapter = {
  name: 'opencode',
  cli: 'opencode',
  defaultMaxParallel: 2,
  defaultModel: OPENCODE_CANONICAL_MODEL,
  lanes: ['headless', 'attach', 'server'],
  modelEnv: 'OPENCODE_MODEL',
  installHint: installHint(OPENCODE_CLI),
  resolveBinary: resolveOpencodeBinary,
  listModels,
  buildLaunch,
  parseStdoutLine,
  parseStderrLine,
};
