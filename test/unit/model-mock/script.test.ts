import { describe, expect, it } from 'vitest';
import { nextTurn, parseScript } from '../../../src/model-mock/index.js';

describe('mock script', () => {
  it('parses every directive', () => {
    const s = parseScript(
      'Task text\n@mock write src/a.txt line1\\nline2\n@mock bash echo hi > b.txt\n' +
        '@mock say All done\n@mock fail 429 2\n@mock stall 3\n@mock slow 50',
    );
    expect(s).toEqual({
      actions: [
        { tool: 'write', args: { filePath: 'src/a.txt', content: 'line1\nline2' } },
        { tool: 'bash', args: { command: 'echo hi > b.txt', description: 'Run the scripted command' } },
      ],
      say: 'All done',
      fail: { status: 429, times: 2 },
      stallSec: 3,
      slowMs: 50,
    });
  });
  it('plans one tool call per turn, then answers', () => {
    const s = parseScript('@mock write a x\n@mock bash touch b\n@mock say ok');
    expect(nextTurn(s, 0)).toMatchObject({ kind: 'tool_call', tool: 'write', args: { filePath: 'a', content: 'x' } });
    expect(nextTurn(s, 1)).toMatchObject({ kind: 'tool_call', tool: 'bash', args: { command: 'touch b' } });
    expect(nextTurn(s, 2)).toEqual({ kind: 'answer', text: 'ok' });
  });
  it('ignores prompts without directives', () => {
    expect(parseScript('just do the task')).toMatchObject({ actions: [], fail: null, say: 'Done.' });
  });
});
