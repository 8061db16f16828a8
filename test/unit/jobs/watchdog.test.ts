import { describe, expect, it } from 'vitest';
import { nextActionFor } from '../../../src/health/nextAction.js';
import { liveStep, owesRelaunch, pausedStep } from '../../../src/jobs/watchdog.js';

describe('the watchdog decides', () => {
  it.each([
    [{ alive: false, state: 'stalled' as const }, 0, 1, 'finalize'],
    [{ alive: true, state: 'healthy' as const }, 0, 1, 'none'],
    [{ alive: true, state: 'stalled' as const }, 0, 1, 'restart'],
    [{ alive: true, state: 'no_op' as const }, 0, 1, 'restart'],
    [{ alive: true, state: 'stalled' as const }, 1, 1, 'block'],
  ])('a live job %o with %i of %i retries: %s', (e, retries, max, step) => {
    expect(liveStep(e, retries, max)).toBe(step);
  });

  it.each([
    // a restart ended the run and found the provider full: the relaunch it was granted is still owed
    ['watchdog_restart', 1, 1, 'relaunch'],
    ['manual_restart', 5, 1, 'relaunch'],
    ['server_lost', 0, 1, 'server'],
    ['server_lost', 1, 1, 'no'],
    ['manual_stop', 0, 1, 'no'],
    ['exit_zero_no_mutations', 0, 1, 'no'],
  ])('a newest run ended with %s (%i of %i retries): %s', (reason, retries, max, owed) => {
    expect(owesRelaunch(reason, retries, max)).toBe(owed);
  });

  it('a newest run a restart ended, not relaunched yet, waits for capacity: it is not said to be superseded', () => {
    for (const reason of ['watchdog_restart', 'manual_restart'])
      expect(nextActionFor(reason, 'stopped')).toBe('relaunch_waits_for_provider_capacity_watchdog_relaunches_it');
  });

  it.each([
    [true, false, 'none'], // its supervisor waits out the pause and relaunches it
    [true, true, 'none'],
    [false, false, 'wait'], // its supervisor was killed: the watchdog relaunches it once the pause is over
    [false, true, 'relaunch'],
  ])('a paused run, its supervisor alive: %s, the pause over: %s → %s', (alive, over, step) => {
    expect(pausedStep(alive, over)).toBe(step);
  });
});
