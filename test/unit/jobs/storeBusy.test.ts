import { describe, expect, it } from 'vitest';
import { relaunchesForBusyStore } from '../../../src/jobs/storeBusy.js';

describe('relaunchesForBusyStore: a run whose agent died on its own busy database goes again', () => {
  it.each([
    ['the first run', 'opencode_store_busy', 0, true],
    ['after one relaunch', 'opencode_store_busy', 1, true],
    ['not a third time', 'opencode_store_busy', 2, false],
    ['another provider the same', 'gemini_store_busy', 0, true],
    ['a provider fault is not relaunched here', 'opencode_auth_failed', 0, false],
    ['a plain non-zero exit is not either', 'process_exit_with_rc', 0, false],
  ])('%s', (_n, reason, retries, relaunch) => expect(relaunchesForBusyStore(reason, retries)).toBe(relaunch));
});
