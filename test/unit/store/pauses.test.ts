import { describe, expect, it } from 'vitest';
import { newJob, openStore, tempHome } from './temp.js';

describe('provider pauses', () => {
  it('one row per provider: the next pause is decided from the one it had, and only running ones are active', () => {
    const home = tempHome();
    const [a, b] = [openStore(home), openStore(home)];
    expect(a.pauses.get('opencode')).toBeNull();
    a.pauses.record('opencode', (prev) => ({
      until: 2000,
      reason: 'opencode_rate_limited',
      attempt: (prev?.attempt ?? 0) + 1,
    }));
    b.pauses.record('opencode', (prev) => ({
      until: 5000,
      reason: 'opencode_rate_limited',
      attempt: (prev?.attempt ?? 0) + 1,
    }));
    b.pauses.record('gemini', () => ({ until: 1000, reason: 'gemini_rate_limited', attempt: 1 }));
    expect(a.pauses.get('opencode')).toMatchObject({ until: 5000, attempt: 2, reason: 'opencode_rate_limited' });
    expect(a.pauses.active(1500).map((p) => p.provider)).toEqual(['opencode']);
    expect(a.pauses.active(5000)).toEqual([]);
  });

  it('a run ended to wait out a pause is claimed once: by a stop or by its relaunch, never both', () => {
    const home = tempHome();
    const [a, b] = [openStore(home), openStore(home)];
    const id = a.jobs.insert(newJob('bd-1'));
    const summary = { sessionId: null, tokensIn: 0, tokensOut: 0, lastEvent: null };
    a.jobs.finalize(
      id,
      { state: 'killed', reasonCode: 'rate_limit_backoff', exitCode: null },
      { completedAt: 1, mutations: 0, outputBytes: 0, summary },
    );
    const stop = { state: 'killed', reasonCode: 'manual_stop', exitCode: 137 } as const;
    expect(a.jobs.endPaused(id, 'rate_limit_backoff', stop)).toBe(true);
    const relaunch = { state: 'killed', reasonCode: 'rate_limit_relaunch', exitCode: null } as const;
    expect(b.jobs.endPaused(id, 'rate_limit_backoff', relaunch)).toBe(false);
    expect(b.jobs.get(id)).toMatchObject({ outcomeState: 'killed', outcomeReason: 'manual_stop', exitCode: 137 });
    expect(b.events.list(id).filter((e) => e.kind === 'finalized')).toHaveLength(2);
  });
});
