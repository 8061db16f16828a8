import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { DxError } from '../core/errors.js';
import { which } from './binary.js';
import {
  buildClaudeLaunch,
  renderClaudeLine,
  CLAUDE_INSTALL_HINT,
  claudeStreamParser,
  ignoreStderr,
  privateConfigDir,
  resolveClaudeBinary,
} from './claude.js';
import type { AuthCheck, LaunchRequest, LaunchSpec, ProviderAdapter } from './types.js';

/**
 * Z.ai's Anthropic-compatible endpoint (international); CC_GLM_BASE_URL points elsewhere (tests: the scripted
 * model).
 */
export const GLM_BASE_URL = 'https://api.z.ai/api/anthropic';

export type TokenResolution = { ok: true; token: string; source: string } | Extract<AuthCheck, { ok: false }>;

/** Reads a 1Password reference with the `op` CLI; null when `op` is missing or cannot read it. */
export function opRead(ref: string, env: NodeJS.ProcessEnv): string | null {
  try {
    return (
      execFileSync('op', ['read', '--no-newline', ref], { env, timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString('utf8')
        .trim() || null
    );
  } catch {
    return null;
  }
}

/** Is the `op` CLI on PATH? (checking credentials must not unlock anything) */
function opPresent(env: NodeJS.ProcessEnv): boolean {
  return which('op', env) !== null;
}

const authMissing = (detail: string): TokenResolution => ({
  ok: false,
  reasonCode: 'cc_glm_auth_missing',
  detail,
});

/**
 * The GLM token, first found wins: CC_GLM_AUTH_TOKEN, CC_GLM_TOKEN_FILE (must be a readable, non-empty
 * file: else cc_glm_token_file_error), ZAI_API_KEY (the key, or an op:// reference), CC_GLM_OP_URI (an op://
 * reference). Nothing found, or a reference that cannot be read: cc_glm_auth_missing or
 * secret_auth_resolution_failed. `readRef` null only checks that a
 * reference could be read (`op` present), without reading it. Details name sources, never values.
 */
export function resolveGlmToken(
  env: NodeJS.ProcessEnv,
  readRef: ((ref: string) => string | null) | null,
): TokenResolution {
  const direct = env.CC_GLM_AUTH_TOKEN?.trim();
  if (direct) return { ok: true, token: direct, source: 'env:CC_GLM_AUTH_TOKEN' };

  const file = env.CC_GLM_TOKEN_FILE;
  if (file) {
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8').trim();
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
      return {
        ok: false,
        reasonCode: 'cc_glm_token_file_error',
        detail: `CC_GLM_TOKEN_FILE ${file} ${why}; point it at a readable file holding the token`,
      };
    }
    if (!content)
      return {
        ok: false,
        reasonCode: 'cc_glm_token_file_error',
        detail: `CC_GLM_TOKEN_FILE ${file} is empty; write the token into it`,
      };
    return { ok: true, token: content, source: 'file:CC_GLM_TOKEN_FILE' };
  }

  const fromRef = (name: string, ref: string): TokenResolution => {
    const source = `op-ref:${name}`;
    if (readRef === null) {
      return opPresent(env)
        ? { ok: true, token: '', source }
        : resolutionFailed(name, 'the 1Password CLI (op) is not on PATH');
    }
    const token = readRef(ref);
    return token
      ? { ok: true, token, source }
      : resolutionFailed(name, 'op read failed (op missing, signed out, or no such item)');
  };

  const zai = env.ZAI_API_KEY?.trim();
  if (zai)
    return zai.startsWith('op://') ? fromRef('ZAI_API_KEY', zai) : { ok: true, token: zai, source: 'env:ZAI_API_KEY' };
  const uri = env.CC_GLM_OP_URI?.trim();
  if (uri) return fromRef('CC_GLM_OP_URI', uri);
  return authMissing(
    'no GLM token: set CC_GLM_AUTH_TOKEN, CC_GLM_TOKEN_FILE, ZAI_API_KEY (key or op:// reference) or CC_GLM_OP_URI',
  );
}

function resolutionFailed(name: string, why: string): TokenResolution {
  return {
    ok: false,
    reasonCode: 'secret_auth_resolution_failed',
    detail: `${name} is a 1Password reference but ${why}; sign in to op, or set CC_GLM_AUTH_TOKEN / CC_GLM_TOKEN_FILE`,
  };
}

function checkAuth(env: NodeJS.ProcessEnv): AuthCheck {
  const r = resolveGlmToken(env, null);
  return r.ok ? { ok: true, source: r.source } : r;
}

/**
 * Claude Code pointed at GLM. The token travels in the environment only (ANTHROPIC_AUTH_TOKEN), and
 * Anthropic credentials the operator may have set are dropped: they must never be sent to another endpoint.
 * Resolving fails before anything is recorded.
 */
function buildLaunch(req: LaunchRequest): LaunchSpec {
  const auth = resolveGlmToken(req.env, (ref) => opRead(ref, req.env));
  if (!auth.ok) throw new DxError(auth.reasonCode, `cc-glm: ${auth.detail}`);
  return buildClaudeLaunch(req, {
    drop: ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_BASE_URL'],
    set: {
      ANTHROPIC_BASE_URL: req.env.CC_GLM_BASE_URL || GLM_BASE_URL,
      ANTHROPIC_AUTH_TOKEN: auth.token,
      // Claude Code's own background and sub-agent calls name Claude models: route them to GLM too
      ANTHROPIC_DEFAULT_OPUS_MODEL: req.model,
      ANTHROPIC_DEFAULT_SONNET_MODEL: req.model,
      ANTHROPIC_DEFAULT_HAIKU_MODEL: req.model,
      API_TIMEOUT_MS: req.env.CC_GLM_TIMEOUT_MS || '3000000',
      CLAUDE_CONFIG_DIR: privateConfigDir(req.env, 'cc-glm'),
    },
  });
}

const parseStdoutLine = claudeStreamParser('cc_glm');

export const ccGlmAdapter: ProviderAdapter = {
  name: 'cc-glm',
  cli: 'claude',
  defaultMaxParallel: 2,
  defaultModel: 'glm-5',
  lanes: ['headless'],
  modelEnv: 'CC_GLM_MODEL',
  installHint: CLAUDE_INSTALL_HINT,
  resolveBinary: resolveClaudeBinary,
  checkAuth,
  buildLaunch,
  parseStdoutLine,
  renderLine: renderClaudeLine,
  parseStderrLine: ignoreStderr,
};
