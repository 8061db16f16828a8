import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allProviders } from '../../../src/providers/index.js';
import { prepareSetup } from '../../../src/providers/setup.js';

describe('building a launch writes nothing; the launch step makes what it names', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-setup-'));
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
  const env = { DX_RUNNER_HOME: home, CC_GLM_AUTH_TOKEN: 't', ANTHROPIC_API_KEY: 'k', GEMINI_API_KEY: 'g' };

  it.each(allProviders().map((a) => [a.name, a] as const))('%s', (_name, adapter) => {
    const spec = adapter.buildLaunch({ lane: 'headless', model: 'm', worktree: home, beads: 'bd-1', env, binary: 'x' });
    expect(fs.readdirSync(home)).toEqual([]);
    prepareSetup(spec.setup);
    for (const dir of spec.setup?.dirs ?? []) expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    for (const f of spec.setup?.files ?? []) expect(fs.readFileSync(f.path, 'utf8')).toBe(f.text);
    fs.rmSync(home, { recursive: true, force: true });
    fs.mkdirSync(home);
  });

  it('names the gemini home and the private Claude config dirs', () => {
    const named = allProviders().flatMap((a) => {
      const spec = a.buildLaunch({ lane: 'headless', model: 'm', worktree: home, beads: 'bd-1', env, binary: 'x' });
      return [...(spec.setup?.dirs ?? []), ...(spec.setup?.files ?? []).map((f) => f.path)];
    });
    expect(named.map((p) => path.relative(home, p)).sort()).toEqual([
      'claude-config/cc-glm',
      'claude-config/claude-code',
      'gemini/.gemini/settings.json',
      expect.stringMatching(/^gemini\/policies\/shell-[0-9a-f]{12}\.toml$/),
      'gemini/tmp',
    ]);
  });
});
