import type { Message, SessionStatus } from '@opencode-ai/sdk';
import { describe, expect, it } from 'vitest';
import { afterAbort, runSessions } from '../../../src/server/abort.js';
import { turnSettled } from '../../../src/server/session.js';

const user = { info: { role: 'user', id: 'm1', time: { created: 1 } } as Message };
const assistant = (completed?: number) => ({
  info: { role: 'assistant', id: 'm2', time: { created: 2, ...(completed ? { completed } : {}) } } as Message,
});

describe('turnSettled: is a server-lane turn over by the session itself', () => {
  it.each<[string, SessionStatus | undefined, Array<{ info: Message }>, boolean]>([
    ['idle, the last message a completed answer', { type: 'idle' }, [user, assistant(3)], true],
    ['not in the status map (idle), the last message a completed answer', undefined, [user, assistant(3)], true],
    ['still busy', { type: 'busy' }, [user, assistant(3)], false],
    ['retrying the provider', { type: 'retry', attempt: 1, message: '429', next: 9 }, [user, assistant(3)], false],
    ['idle, but the answer is still being written', undefined, [user, assistant()], false],
    ['idle before the turn began: only the prompt', undefined, [user], false],
    ['no messages at all', undefined, [], false],
  ])('%s → %s', (_what, status, messages, settled) => {
    expect(turnSettled(status, messages)).toBe(settled);
  });
});

describe('runSessions: the sessions of a run on a shared server', () => {
  const session = (id: string, title: string, directory: string, created: number) => ({
    id,
    title,
    directory,
    time: { created, updated: created },
  });
  const listed = [
    session('ses_old', 'bd-1', '/wt/a', 900), // an earlier run of the bead
    session('ses_new', 'bd-1', '/wt/a', 1000),
    session('ses_other_dir', 'bd-1', '/wt/b', 1100),
    session('ses_other_bead', 'bd-2', '/wt/a', 1100),
  ];
  const run = { sessionId: null, title: 'bd-1', worktree: '/wt/a', startedAt: 1000 };
  it.each<[string, typeof run | (Omit<typeof run, 'sessionId'> & { sessionId: string }), string[]]>([
    ['the session its output named, whatever the listing', { ...run, sessionId: 'ses_named' }, ['ses_named']],
    ['none named: its title, in its worktree, opened since it started', run, ['ses_new']],
    ['none named and none opened since it started', { ...run, startedAt: 2000 }, []],
  ])('%s', (_what, r, ids) => {
    expect(runSessions(listed, r)).toEqual(ids);
  });
});

describe('afterAbort: what an aborted session of a run needs next', () => {
  it.each<[string, SessionStatus | undefined, Array<{ info: Message }>, ReturnType<typeof afterAbort>]>([
    ['a turn still running (it began after the abort)', { type: 'busy' }, [user], 'abort'],
    ['retrying the provider', { type: 'retry', attempt: 1, message: '429', next: 9 }, [user, assistant()], 'abort'],
    ['idle, its answer closed (aborted or finished)', undefined, [user, assistant(3)], 'done'],
    ['idle, no message yet: a prompt may still be on its way', undefined, [], 'watch'],
    ['idle, only the prompt: its turn has not begun', { type: 'idle' }, [user], 'watch'],
  ])('%s → %s', (_what, status, messages, next) => {
    expect(afterAbort(status, messages)).toBe(next);
  });
});
