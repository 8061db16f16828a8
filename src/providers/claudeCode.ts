import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DxError } from '../core/errors.js';
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

const KEY_VARS = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'] as const;

/**
 * Anthropic credentials: a key or token in the environment, else the CLI's own login (`claude /login`:
 * `.credentials.json` in its config dir on Linux; the keychain on macOS, which cannot be checked offline).
 */
function checkAuth(env: NodeJS.ProcessEnv): AuthCheck {
  const key = KEY_VARS.find((k) => env[k]?.trim());
  if (key) return { ok: true, source: `env:${key}` };
  const configDir = env.CLAUDE_CONFIG_DIR || path.join(os.homedir(), '.claude');
  if (fs.existsSync(path.join(configDir, '.credentials.json'))) return { ok: true, source: 'cli-login' };
  if (process.platform === 'darwin') return { ok: true, source: 'cli-login (keychain, unchecked)' };
  return {
    ok: false,
    reasonCode: 'claude_code_auth_missing',
    detail:
      `no ANTHROPIC_API_KEY and no Claude Code login in ${configDir}; ` +
      'set ANTHROPIC_API_KEY or log in once with: claude /login',
  };
}

/**
 * Claude Code against Anthropic. With a key in the environment the CLI runs on dx-runner's private
 * config dir (the key is what pays, whatever login the operator has); without one it uses the operator's
 * own config dir, because that is where their login lives.
 */
function buildLaunch(req: LaunchRequest): LaunchSpec {
  const auth = checkAuth(req.env);
  if (!auth.ok) throw new DxError(auth.reasonCode, `claude-code: ${auth.detail}`);
  const budget = Number(req.env.CLAUDE_CODE_MAX_BUDGET_USD) > 0 ? req.env.CLAUDE_CODE_MAX_BUDGET_USD : '2';
  return buildClaudeLaunch(req, {
    drop: [],
    set: auth.source.startsWith('env:') ? { CLAUDE_CONFIG_DIR: privateConfigDir(req.env, 'claude-code') } : {},
    // a runaway job stops at a spending cap: CLAUDE_CODE_MAX_BUDGET_USD, else 2 USD
    extraArgs: ['--max-budget-usd', String(budget)],
  });
}

export const claudeCodeAdapter: ProviderAdapter = {
  name: 'claude-code',
  cli: 'claude',
  defaultMaxParallel: 1,
  defaultModel: 'opus',
  lanes: ['headless'],
  modelEnv: 'CLAUDE_CODE_MODEL',
  installHint: CLAUDE_INSTALL_HINT,
  resolveBinary: resolveClaudeBinary,
  checkAuth,
  buildLaunch,
  parseStdoutLine: claudeStreamParser('claude_code'),
  renderLine: renderClaudeLine,
  parseStderrLine: ignoreStderr,
};
