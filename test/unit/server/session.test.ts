import type { Message, SessionStatus } from '@opencode-ai/sdk';
import { describe, expect, it } from 'vitest';
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
