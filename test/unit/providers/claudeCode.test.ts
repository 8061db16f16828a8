import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/exit.js';
import { claudeCodeAdapter } from '../../../src/providers/claudeCode.js';
import { tmpDir, withExitCode } from '../../helpers.js';

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
