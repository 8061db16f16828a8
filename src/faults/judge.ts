/**
 * Pure: how one refused input was answered. `clear` is what a user is owed: the documented exit code, exactly
 * one line on stderr carrying the reason code (and the same code in --json output when asked), nothing left
 * recorded. The bad-input table test and the fault figures (`npm run faults`) judge with this one function.
 */

export type Judgement = 'clear' | 'unclear' | 'stack_trace' | 'record_left';

/** What the command did: its exit code, its output, and what it left in its state home (null: nothing). */
export interface RowResult {
  code: number;
  stdout: string;
  stderr: string;
  recordLeft: string | null;
}

/** What a refusal must look like. */
export interface Expected {
  reason: string;
  exit: number;
}

/** A line of a JavaScript stack (`    at fn (file:1:2)`), or Node's report of an uncaught error. */
export const STACK = /^\s+at [^\s].*(\(.*:\d+:\d+\)|:\d+:\d+)$|^Node\.js v\d+|^\s*\^$/m;

export function judge(expected: Expected, r: RowResult): { judgement: Judgement; why: string } {
  if (STACK.test(r.stderr) || STACK.test(r.stdout)) return { judgement: 'stack_trace', why: 'a stack trace' };
  if (r.recordLeft) return { judgement: 'record_left', why: r.recordLeft };
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const problems = [
    r.code !== expected.exit && `exit ${r.code}, not ${expected.exit}`,
    lines.length !== 1 && `${lines.length} stderr lines, not 1`,
    !lines.some((l) => l.includes(`reason_code=${expected.reason}`)) && `no reason_code=${expected.reason} on stderr`,
    r.stdout.trim() !== '' && jsonReason(r.stdout) !== expected.reason && `--json output without ${expected.reason}`,
  ].filter((p): p is string => typeof p === 'string');
  return problems.length ? { judgement: 'unclear', why: problems.join('; ') } : { judgement: 'clear', why: '' };
}

/** The reason code of a --json error output, if that is what stdout holds. */
function jsonReason(stdout: string): string | undefined {
  try {
    return (JSON.parse(stdout) as { error?: { reason_code?: string } }).error?.reason_code;
  } catch {
    return undefined;
  }
}
