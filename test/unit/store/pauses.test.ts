import { describe, expect, it } from 'vitest';
import { openStore, tempHome } from './temp.js';

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
});
