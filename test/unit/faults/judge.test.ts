import { describe, expect, it } from 'vitest';
import { judge, type RowResult } from '../../../src/faults/judge.js';

const line = "dx-runner: --wait takes a number from 0 to 86400, got '-5' (reason_code=invalid_argument)\n";
const json = '{"error":{"reason_code":"invalid_argument","message":"x","exit_code":2}}\n';
const ok: RowResult = { code: 2, stdout: json, stderr: line, recordLeft: null };

describe('judging one refused input', () => {
  it.each<[string, Partial<RowResult>, string]>([
    ['one line, its reason, the exit code, the JSON', {}, 'clear'],
    ['no --json asked: stdout empty', { stdout: '' }, 'clear'],
    ['another exit code', { code: 1 }, 'unclear'],
    ['two stderr lines', { stderr: `${line}more\n` }, 'unclear'],
    ['another reason', { stderr: line.replace('invalid_argument', 'internal_error') }, 'unclear'],
    ['JSON without the reason', { stdout: '{"jobs":[]}' }, 'unclear'],
    ['accepted (exit 0, no line)', { code: 0, stderr: '', stdout: '' }, 'unclear'],
    [
      'a stack trace',
      { code: 1, stderr: 'TypeError: x\n    at planJob (file:///a/dist/jobs/plan.js:10:5)\n' },
      'stack_trace',
    ],
    ["Node's uncaught error report", { code: 1, stderr: 'boom\n\nNode.js v20.19.0\n' }, 'stack_trace'],
    ['a record left', { recordLeft: 'a job recorded' }, 'record_left'],
  ])('%s → %s', (_n, change, expected) => {
    expect(judge({ reason: 'invalid_argument', exit: 2 }, { ...ok, ...change }).judgement).toBe(expected);
  });
});
