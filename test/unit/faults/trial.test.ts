import { describe, expect, it } from 'vitest';
import { trialVerdict, type TrialFacts } from '../../../src/faults/trial.js';

const t = (over: Partial<TrialFacts>): TrialFacts => ({
  kind: 'supervisor',
  agentKilled: false,
  state: 'exited_ok',
  mutations: 1,
  fileWritten: true,
  ...over,
});

describe('a kill -9 trial: outcome kept, lost or falsified', () => {
  it.each([
    ['supervisor killed, agent finished: exited_ok with the file', t({}), 'kept'],
    ['supervisor killed, agent finished: exited_err with the file', t({ state: 'exited_err' }), 'falsified'],
    ['supervisor killed: exited_ok without the file', t({ fileWritten: false }), 'falsified'],
    ['file written but 0 mutations counted', t({ mutations: 0, state: 'no_op_success' }), 'falsified'],
    [
      'agent killed before writing: exited_err',
      t({ kind: 'agent', agentKilled: true, state: 'exited_err', fileWritten: false, mutations: 0 }),
      'kept',
    ],
    ['agent killed after writing: exited_err', t({ kind: 'agent', agentKilled: true, state: 'exited_err' }), 'kept'],
    ['agent killed: exited_ok', t({ kind: 'both', agentKilled: true }), 'falsified'],
    ['never settled', t({ state: null }), 'lost'],
    ['start killed before recording, nothing ran', t({ kind: 'start', state: 'missing', fileWritten: false }), 'kept'],
    ['start killed, an agent wrote unrecorded', t({ kind: 'start', state: 'missing' }), 'lost'],
    ['supervisor killed and the job vanished', t({ state: 'missing', fileWritten: false }), 'lost'],
    ['start killed after launch: the job ran to its end', t({ kind: 'start' }), 'kept'],
  ])('%s → %s', (_n, facts, verdict) => {
    expect(trialVerdict(facts).verdict).toBe(verdict);
  });
});
