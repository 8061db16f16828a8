import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ccGlmAdapter, resolveGlmToken } from '../../../src/providers/ccGlm.js';
import { tmpDir, withExitCode } from '../../helpers.js';

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
});
