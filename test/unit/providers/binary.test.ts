import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { resolveCliBinary } from '../../../src/providers/binary.js';
import { getProvider } from '../../../src/providers/index.js';
import { preflightFindings } from '../../../src/providers/preflight.js';
import { firstRefusal, providerChecks } from '../../../src/providers/verdict.js';

describe('a provider whose CLI is missing: start and preflight name the command that installs it', () => {
  it.each([
    ['opencode', 'npm install -g opencode-ai', '--opencode-bin / DX_RUNNER_OPENCODE_BIN'],
    ['cc-glm', 'npm install -g @anthropic-ai/claude-code', '--claude-bin / DX_RUNNER_CLAUDE_BIN'],
    ['claude-code', 'npm install -g @anthropic-ai/claude-code', '--claude-bin / DX_RUNNER_CLAUDE_BIN'],
    ['gemini', 'npm install -g @google/gemini-cli', '--gemini-bin / DX_RUNNER_GEMINI_BIN'],
  ])('%s: %s', (provider, command, elsewhere) => {
    const binary = { command: '/nowhere/cli', found: false };
    const refusal = firstRefusal(
      providerChecks(getProvider(provider), { model: 'm/x', policyRefusal: null, auth: null, binary }),
    );
    expect(refusal?.reasonCode).toBe('provider_binary_missing');
    expect(refusal?.message).toContain(`install it (${command}) or name it with ${elsewhere}`);
    const finding = preflightFindings(
      {
        provider,
        model: 'm/x',
        policyRefusal: null,
        auth: null,
        binary: binary.command,
        version: null,
        models: null,
        probe: null,
        worktree: null,
      },
      false,
    ).find((f) => f.check === 'binary');
    expect(finding?.detail).toContain(command);
  });
});

describe('which binary a provider runs', () => {
  const cli = { envVar: 'DX_TEST_BIN', pkg: 'opencode-ai', bin: 'opencode' };
  it.each<[string, string | undefined, NodeJS.ProcessEnv, typeof cli, (got: string) => void]>([
    ['the flag first', '/flag/cli', { DX_TEST_BIN: '/env/cli' }, cli, (got) => expect(got).toBe('/flag/cli')],
    ['then the variable', undefined, { DX_TEST_BIN: '/env/cli' }, cli, (got) => expect(got).toBe('/env/cli')],
    [
      'then the package installed beside dx-runner',
      undefined,
      {},
      cli,
      (got) => {
        expect(got).toMatch(/node_modules\/opencode-ai\/.*opencode/);
        expect(fs.existsSync(got)).toBe(true);
      },
    ],
    [
      'else the bare name, for PATH',
      undefined,
      {},
      { ...cli, pkg: 'dx-runner-no-such-package' },
      (got) => expect(got).toBe('opencode'),
    ],
  ])('%s', (_n, explicit, env, o, check) => check(resolveCliBinary(explicit, env, o)));
});
