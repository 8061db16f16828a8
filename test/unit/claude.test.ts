import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptySummary, foldEvent, type OutputSummary } from '../../src/health/index.js';
import { nextActionFor } from '../../src/health/nextAction.js';
import { redact } from '../../src/governance/secrets.js';
import { renderClaudeLine } from '../../src/providers/claude.js';
import { ccGlmAdapter, resolveGlmToken } from '../../src/providers/ccGlm.js';
import { claudeStreamParser } from '../../src/providers/claude.js';
import { claudeCodeAdapter } from '../../src/providers/claudeCode.js';
import type { AgentEvent } from '../../src/providers/types.js';
import { exitCodeFor } from '../../src/cli/exit.js';
import { tmpDir, withExitCode } from '../helpers.js';

const fixture = (name: string) =>
  fs
    .readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);
const fold = (lines: string[], parse: (l: string) => AgentEvent[]): OutputSummary =>
  lines.flatMap(parse).reduce(foldEvent, emptySummary());
const parse = claudeStreamParser('cc_glm');

describe('claude stream-json parser', () => {
  it('reads a real run that wrote a file: session, tool, text, final usage', () => {
    const lines = fixture('claude-edit.jsonl');
    const kinds = lines.flatMap(parse).filter((e) => e.kind !== 'session');
    expect(kinds).toEqual([
      { kind: 'tool', tool: 'Write' },
      { kind: 'text' },
      { kind: 'step_finish', final: true, tokensIn: 624, tokensOut: 16 },
    ]);
    const s = fold(lines, parse);
    expect(s).toMatchObject({ completed: true, errorReason: null, tokensIn: 624, tokensOut: 16 });
    expect(s.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads a real 401: a retry, then the error that fails the job', () => {
    const s = fold(fixture('claude-401.jsonl'), parse);
    expect(s).toMatchObject({ completed: false, errorReason: 'cc_glm_auth_failed', retryReason: 'cc_glm_auth_failed' });
    expect(s.errorMessage).toMatch(/401/);
  });

  const line = (o: object) => JSON.stringify(o);
  it.each([
    [
      'api retry on 429',
      { type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 3, error_status: 429, error: 'rate_limit' },
      { kind: 'retry', reason: 'cc_glm_rate_limited' },
    ],
    [
      'api retry on overload without status',
      { type: 'system', subtype: 'api_retry', error_status: null, error: 'overloaded' },
      { kind: 'retry', reason: 'cc_glm_provider_error' },
    ],
    [
      'model missing',
      {
        type: 'assistant',
        is_api_error_message: true,
        api_error_status: 404,
        error: 'model_not_found',
        message: { content: [{ type: 'text', text: 'no such model' }] },
      },
      { kind: 'error', reason: 'cc_glm_model_unavailable' },
    ],
    [
      'budget cap',
      { type: 'result', subtype: 'error_max_budget_usd', is_error: true },
      { kind: 'error', reason: 'cc_glm_budget_exceeded' },
    ],
    [
      'error during execution',
      { type: 'result', subtype: 'error_during_execution', is_error: true },
      { kind: 'error', reason: 'cc_glm_error_event' },
    ],
    [
      'result 500',
      { type: 'result', subtype: 'success', is_error: true, api_error_status: 500, result: 'API Error: 500' },
      { kind: 'error', reason: 'cc_glm_provider_error' },
    ],
    [
      'thinking only: nothing said',
      { type: 'assistant', message: { content: [{ type: 'thinking', text: '' }] } },
      null,
    ],
  ])('%s', (_name, ev, expected) => {
    const events = parse(line(ev)).filter((e) => e.kind !== 'session');
    if (expected === null) expect(events).toEqual([]);
    else expect(events).toEqual([expect.objectContaining(expected)]);
  });

  it('renders the stream readably for logs', () => {
    const shown = fixture('claude-edit.jsonl').map(renderClaudeLine);
    expect(shown[0]).toMatch(/^\[session\] [0-9a-f-]{36} model=glm-5$/);
    expect(shown.slice(1)).toEqual([
      expect.stringMatching(/^\[tool:Write\] \/\S+\/notes\/hello\.txt$/),
      expect.stringMatching(/^\[tool result\] File created/),
      '[text] Wrote it',
      '[result] ok success: Wrote it',
    ]);
    expect(fixture('claude-401.jsonl').map(renderClaudeLine).slice(1, 3)).toEqual([
      '[retry] 1/1 401 authentication_failed',
      '[error] Failed to authenticate. API Error: 401 Invalid API key provided',
    ]);
  });

  it('ignores lines that are not JSON objects', () => {
    expect(parse('not json')).toEqual([]);
    expect(parse('42')).toEqual([]);
  });

  it('gives every provider failure class a next action', () => {
    expect(nextActionFor('cc_glm_auth_failed', 'exited_err')).toBe('repair_provider_credentials_then_restart');
    expect(nextActionFor('claude_code_rate_limited', 'exited_err')).toBe('retry_backoff_or_switch_provider');
  });
});

describe('GLM token resolution', () => {
  const dir = tmpDir('tokens');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string, mode = 0o600) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content, { mode });
    return p;
  };
  const good = file('good', '  glm-from-file\n');
  const empty = file('empty', ' \n');
  const unreadable = file('unreadable', 'x');
  fs.chmodSync(unreadable, 0o000);
  const asRoot = process.getuid?.() === 0; // root reads any file: make it a directory instead
  const unreadablePath = asRoot ? dir : unreadable;
  const op = (ref: string) => (ref === 'op://dev/item/key' ? 'glm-from-op' : null);

  it.each([
    [
      'CC_GLM_AUTH_TOKEN first',
      { CC_GLM_AUTH_TOKEN: 'glm-direct', CC_GLM_TOKEN_FILE: good, ZAI_API_KEY: 'k' },
      { ok: true, token: 'glm-direct', source: 'env:CC_GLM_AUTH_TOKEN' },
    ],
    [
      'then the token file, trimmed',
      { CC_GLM_TOKEN_FILE: good, ZAI_API_KEY: 'k' },
      { ok: true, token: 'glm-from-file', source: 'file:CC_GLM_TOKEN_FILE' },
    ],
    [
      'then ZAI_API_KEY as a key',
      { ZAI_API_KEY: 'glm-zai', CC_GLM_OP_URI: 'op://dev/item/key' },
      { ok: true, token: 'glm-zai', source: 'env:ZAI_API_KEY' },
    ],
    [
      'ZAI_API_KEY as an op:// reference',
      { ZAI_API_KEY: 'op://dev/item/key' },
      { ok: true, token: 'glm-from-op', source: 'op-ref:ZAI_API_KEY' },
    ],
    [
      'then CC_GLM_OP_URI',
      { CC_GLM_OP_URI: 'op://dev/item/key' },
      { ok: true, token: 'glm-from-op', source: 'op-ref:CC_GLM_OP_URI' },
    ],
    [
      'a blank token is no token',
      { CC_GLM_AUTH_TOKEN: '  ' },
      { ok: false, reasonCode: 'cc_glm_auth_missing', exitCode: 10 },
    ],
    ['nothing set: 10', {}, { ok: false, reasonCode: 'cc_glm_auth_missing', exitCode: 10 }],
    [
      'missing token file: 11',
      { CC_GLM_TOKEN_FILE: path.join(dir, 'nope'), ZAI_API_KEY: 'k' },
      { ok: false, reasonCode: 'cc_glm_token_file_error', exitCode: 11 },
    ],
    [
      'empty token file: 11',
      { CC_GLM_TOKEN_FILE: empty },
      { ok: false, reasonCode: 'cc_glm_token_file_error', exitCode: 11 },
    ],
    [
      'unreadable token file: 11',
      { CC_GLM_TOKEN_FILE: unreadablePath },
      { ok: false, reasonCode: 'cc_glm_token_file_error', exitCode: 11 },
    ],
    [
      'a reference op cannot read: 10',
      { CC_GLM_OP_URI: 'op://dev/other/key' },
      { ok: false, reasonCode: 'secret_auth_resolution_failed', exitCode: 10 },
    ],
  ])('%s', (_name, env, expected) => {
    const r = resolveGlmToken(env, op);
    expect(withExitCode(r)).toMatchObject(expected);
    if (!r.ok) expect(r.detail).not.toMatch(/glm-from|op:\/\/dev/); // names the source, never a value
  });

  it('checking does not read a reference, and fails without the op CLI', () => {
    expect(withExitCode(resolveGlmToken({ CC_GLM_OP_URI: 'op://dev/item/key', PATH: dir }, null))).toMatchObject({
      ok: false,
      reasonCode: 'secret_auth_resolution_failed',
      exitCode: 10,
    });
    fs.writeFileSync(path.join(dir, 'op'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    expect(resolveGlmToken({ CC_GLM_OP_URI: 'op://dev/item/key', PATH: dir }, null)).toMatchObject({
      ok: true,
      source: 'op-ref:CC_GLM_OP_URI',
    });
  });

  it('puts the token in the environment only, never in argv, and keeps other credentials away from GLM', () => {
    const spec = ccGlmAdapter.buildLaunch({
      lane: 'headless',
      model: 'glm-5',
      worktree: dir,
      beads: 'bd-1',
      binary: '/bin/claude',
      env: {
        CC_GLM_AUTH_TOKEN: 'glm-secret',
        ANTHROPIC_API_KEY: 'sk-ant-operator',
        ANTHROPIC_BASE_URL: 'https://gateway.example',
        DX_RUNNER_HOME: dir,
      },
    });
    expect(spec.args.join(' ')).not.toContain('glm-secret');
    expect(spec.args).toEqual(
      expect.arrayContaining(['-p', '--output-format', 'stream-json', '--verbose', '--model', 'glm-5']),
    );
    expect(spec.env).toMatchObject({
      ANTHROPIC_AUTH_TOKEN: 'glm-secret',
      ANTHROPIC_BASE_URL: 'https://api.z.ai/api/anthropic',
      CLAUDE_CONFIG_DIR: path.join(dir, 'claude-config', 'cc-glm'),
      DISABLE_TELEMETRY: '1',
    });
    expect(spec.env.ANTHROPIC_API_KEY).toBeUndefined();
  });

  it('redacts GLM keys and prefixed secret variables', () => {
    expect(redact('key 0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp end')).toBe('key [REDACTED] end');
    expect(redact('ANTHROPIC_AUTH_TOKEN=glm-secret-value ZAI_API_KEY="abcdefghij"')).toBe(
      'ANTHROPIC_AUTH_TOKEN=[REDACTED] ZAI_API_KEY="[REDACTED]"',
    );
  });
});

describe('claude-code credentials', () => {
  const home = tmpDir('cc-home');
  const login = tmpDir('cc-login');
  fs.writeFileSync(path.join(login, '.credentials.json'), '{}');
  afterAll(() => {
    for (const d of [home, login]) fs.rmSync(d, { recursive: true, force: true });
  });
  const launch = (env: NodeJS.ProcessEnv) =>
    claudeCodeAdapter.buildLaunch({
      lane: 'headless',
      model: 'opus',
      worktree: home,
      beads: 'bd-1',
      binary: '/bin/claude',
      env: { DX_RUNNER_HOME: home, ...env },
    });

  it("a key in the environment: dx-runner's own config dir, and a spending cap", () => {
    expect(claudeCodeAdapter.checkAuth?.({ ANTHROPIC_API_KEY: 'k' })).toEqual({
      ok: true,
      source: 'env:ANTHROPIC_API_KEY',
    });
    const spec = launch({ ANTHROPIC_API_KEY: 'k', CLAUDE_CONFIG_DIR: login });
    expect(spec.env.CLAUDE_CONFIG_DIR).toBe(path.join(home, 'claude-config', 'claude-code'));
    expect(spec.args.join(' ')).toContain('--max-budget-usd 2');
  });

  it("the CLI's own login: its config dir is kept", () => {
    expect(claudeCodeAdapter.checkAuth?.({ CLAUDE_CONFIG_DIR: login })).toEqual({ ok: true, source: 'cli-login' });
    expect(launch({ CLAUDE_CONFIG_DIR: login }).env.CLAUDE_CONFIG_DIR).toBe(login);
  });

  it('neither: exit 10 before anything runs (macOS keeps the login in the keychain: assumed present)', () => {
    if (process.platform === 'darwin') {
      expect(claudeCodeAdapter.checkAuth?.({ CLAUDE_CONFIG_DIR: home })).toMatchObject({ ok: true });
      return;
    }
    expect(withExitCode(claudeCodeAdapter.checkAuth?.({ CLAUDE_CONFIG_DIR: home }))).toMatchObject({
      ok: false,
      reasonCode: 'claude_code_auth_missing',
      exitCode: 10,
    });
    expect(() => launch({ CLAUDE_CONFIG_DIR: home })).toThrow(
      expect.objectContaining({ reasonCode: 'claude_code_auth_missing', kind: 'credentials' }),
    );
    expect(exitCodeFor({ reasonCode: 'claude_code_auth_missing', kind: 'credentials' })).toBe(10);
  });
});
