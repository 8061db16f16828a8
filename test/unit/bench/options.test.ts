import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hintMatchRatio } from '../../../src/bench/decide.js';
import { DEFAULT_PROMPTS_FILE, loadPromptSet, prepareRun, workflowModels } from '../../../src/bench/options.js';
import { exitCodeFor } from '../../../src/cli/exit.js';
import type { DxError } from '../../../src/core/errors.js';
import { parseScript } from '../../../src/model-mock/script.js';
import { tmpDir } from '../../helpers.js';

describe('prompt set', () => {
  const write = (v: unknown) => {
    const f = path.join(tmpDir('prompts'), 'p.json');
    fs.writeFileSync(f, typeof v === 'string' ? v : JSON.stringify(v));
    return f;
  };
  const good = { id: 'a1', category: 'c', title: 't', prompt: 'do it', success_hints: ['x'] };

  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{nope', /is not JSON/],
    ['no prompts', { version: 1, name: 'n', prompts: [] }, /prompts: /],
    [
      'a prompt without its text',
      { version: 1, name: 'n', prompts: [{ ...good, prompt: '  ' }] },
      /prompts\.0\.prompt/,
    ],
    [
      'hints not a list',
      { version: 1, name: 'n', prompts: [{ ...good, success_hints: 'x' }] },
      /prompts\.0\.success_hints/,
    ],
    ['an id that is not path-safe', { version: 1, name: 'n', prompts: [{ ...good, id: '../x' }] }, /prompts\.0\.id/],
    ['duplicate ids', { version: 1, name: 'n', prompts: [good, good] }, /unique/],
    ['no version', { name: 'n', prompts: [good] }, /version/],
  ])('%s is refused with one line naming the problem', (_name, content, msg) => {
    const f = write(content);
    expect(() => loadPromptSet(f)).toThrow(msg);
    try {
      loadPromptSet(f);
    } catch (e) {
      expect((e as DxError).reasonCode).toBe('prompt_set_invalid');
      expect(exitCodeFor(e as DxError)).toBe(2);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('a missing file says so', () => {
    expect(() => loadPromptSet('/nonexistent/prompts.json')).toThrow(/does not exist/);
  });

  it('the shipped prompts are valid, keep their ids, and script a real edit whose answer meets their hints', () => {
    const set = loadPromptSet(DEFAULT_PROMPTS_FILE);
    expect(set.prompts.map((p) => p.id)).toEqual([
      'coding_ability_1',
      'coding_ability_2',
      'latency_speed_1',
      'robustness_partial_context_1',
      'workflow_orchestration_1',
    ]);
    for (const p of set.prompts) {
      const script = parseScript(p.prompt);
      expect(
        script.actions.some((a) => a.tool === 'write'),
        p.id,
      ).toBe(true);
      expect(hintMatchRatio(script.say, p.success_hints), p.id).toBe(1);
    }
  });
});

describe('workflow models', () => {
  it("--model applies to OpenCode workflows; --model-for to one; others keep their provider's own", () => {
    const m = workflowModels(['opencode_run_headless', 'opencode_server_http', 'cc_glm_headless'], 'x/y', {
      opencode_server_http: 'z/w',
    });
    expect(m.opencode_run_headless).toBe('x/y');
    expect(m.opencode_server_http).toBe('z/w');
    expect(m.cc_glm_headless).not.toBe('x/y');
  });
});

describe('prompt guard of a benchmark run', () => {
  it('refuses a prompt holding a key before anything is written, naming the prompt', () => {
    const dir = tmpDir('bench-guard');
    const file = path.join(dir, 'p.json');
    const secret = {
      id: 'leaky',
      category: 'c',
      title: 't',
      prompt: 'use AIzaSyA1234567890abcdefghijklmnopqrstuv',
      success_hints: ['x'],
    };
    fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'n', prompts: [secret] }));
    const o = {
      runId: 'r1',
      outputDir: 'out',
      cwd: dir,
      workflows: ['opencode_run_headless'],
      models: {},
      promptsFile: file,
      parallel: 1,
      maxRetries: 0,
      timeoutSec: 60,
      stallThresholdSec: 30,
      pollIntervalSec: 1,
      dryRun: true,
      keepWorktrees: false,
      requiredBaseline: null,
      env: {},
    };
    expect(() => prepareRun(o)).toThrow(/prompt leaky: the prompt contains what looks like a Google API key/);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});
