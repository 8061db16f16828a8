/**
 * Pure: was a kill -9 trial's outcome kept? After the kill and once things settle, `check` must say what really
 * happened: a success only when the agent ran to its end and its file is there, a failure when it was killed or
 * wrote nothing, and a job recorded for every agent that ran.
 */

export type KillKind = 'supervisor' | 'agent' | 'both' | 'start';
export const KILL_KINDS: readonly KillKind[] = ['supervisor', 'agent', 'both', 'start'];

export interface TrialFacts {
  kind: KillKind;
  /** the agent was alive when it was sent SIGKILL (it did not run to its end) */
  agentKilled: boolean;
  /** `check`'s state once settled (`missing`: no job recorded), or null when it never settled */
  state: string | null;
  mutations: number;
  /** the file the agent was told to write is in its worktree */
  fileWritten: boolean;
}

export type TrialVerdict = { verdict: 'kept' } | { verdict: 'lost' | 'falsified'; why: string };

const SUCCESS = new Set(['exited_ok', 'no_op_success']);

export function trialVerdict(t: TrialFacts): TrialVerdict {
  if (t.state === null) return { verdict: 'lost', why: 'never settled' };
  if (t.state === 'missing') {
    // only a start killed before it recorded anything may leave no job, and then no agent may have worked
    return t.kind === 'start' && !t.fileWritten
      ? { verdict: 'kept' }
      : { verdict: 'lost', why: t.fileWritten ? 'the agent wrote its file, no job recorded' : 'no job recorded' };
  }
  const success = SUCCESS.has(t.state);
  if (success && t.agentKilled) return { verdict: 'falsified', why: `${t.state} for a killed agent` };
  if (success && !t.fileWritten) return { verdict: 'falsified', why: `${t.state} without the file` };
  if (success && t.mutations === 0) return { verdict: 'falsified', why: `${t.state} with 0 mutations, file written` };
  if (!success && t.fileWritten && !t.agentKilled) {
    return { verdict: 'falsified', why: `${t.state} though the agent ran to its end and wrote the file` };
  }
  return { verdict: 'kept' };
}
