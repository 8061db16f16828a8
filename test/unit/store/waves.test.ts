import { describe, expect, it } from 'vitest';
import type { ItemSpec, ItemState } from '../../../src/store/index.js';
import { openStore, tempHome } from './temp.js';

const spec = (beads: string): ItemSpec => ({
  prompt: `work on ${beads}`,
  worktree: `/tmp/wt/${beads}`,
  provider: 'opencode',
  fallbackProvider: 'cc-glm',
  gates: ['scope'],
  mutationBudget: 3,
  cwd: '/tmp',
});

const items = (...beads: string[]) =>
  beads.map((b) => ({ beads: b, spec: spec(b), provider: 'opencode', fallbackReason: null }));

describe('a wave is recorded whole', () => {
  it('the wave and its items, in order, with their specs', () => {
    const store = openStore();
    const id = store.waves.insert(true, items('bd-1', 'bd-2'));
    expect(store.waves.get(id)).toMatchObject({ id, state: 'running', critical: true, driverPid: null, endedAt: null });
    expect(store.waves.items(id)).toMatchObject([
      { seq: 0, beads: 'bd-1', spec: spec('bd-1'), state: 'queued', attempts: 0, jobId: null, fallbackReason: null },
      { seq: 1, beads: 'bd-2', spec: spec('bd-2'), state: 'queued' },
    ]);
    expect(store.waves.latest()?.id).toBe(id);
    expect(store.waves.running().map((w) => w.id)).toEqual([id]);
  });

  it('a wave naming a bead twice is not recorded at all', () => {
    const store = openStore();
    expect(() => store.waves.insert(false, items('bd-1', 'bd-1'))).toThrow(/UNIQUE constraint failed/);
    expect(store.waves.latest()).toBeNull();
  });
});

describe('item claims', () => {
  it('of two drivers claiming one item, only the first wins', () => {
    const home = tempHome();
    const [a, b] = [openStore(home), openStore(home)];
    const [item] = a.waves.items(a.waves.insert(false, items('bd-1')));
    expect(a.waves.claimItem(item.id)).toBe(true);
    expect(b.waves.claimItem(item.id)).toBe(false);
    expect(a.waves.claimItem(item.id)).toBe(false);
    expect(b.waves.items(item.waveId)[0]).toMatchObject({ state: 'launching', claimedAt: expect.any(Number) });
  });

  it.each<[ItemState, boolean]>([
    ['queued', true],
    ['launching', false],
    ['running', false],
    ['landed', false],
    ['failed', false],
    ['cancelled', false],
    ['stopped', false],
  ])('an item %s can be claimed: %s', (state, claimed) => {
    const store = openStore();
    const [item] = store.waves.items(store.waves.insert(false, items('bd-1')));
    store.waves.updateItem(item.id, { state });
    expect(store.waves.claimItem(item.id)).toBe(claimed);
  });

  it('an update sets just the fields it names', () => {
    const store = openStore();
    const [item] = store.waves.items(store.waves.insert(false, items('bd-1')));
    store.waves.updateItem(item.id, { provider: 'cc-glm', fallbackReason: 'opencode:opencode_rate_limited' });
    store.waves.updateItem(item.id, {});
    expect(store.waves.items(item.waveId)[0]).toMatchObject({
      provider: 'cc-glm',
      fallbackReason: 'opencode:opencode_rate_limited',
      state: 'queued',
      spec: spec('bd-1'),
    });
  });
});

describe('the wave driver claim', () => {
  const ME = 100;
  const OTHER = 200;
  it.each([
    ['no driver yet', true, null, false, 'running'],
    ['the driver is this process', true, ME, true, 'running'],
    ['another driver is alive', false, OTHER, true, 'running'],
    ['another driver died', true, OTHER, false, 'running'],
    ['the wave was stopped', false, null, false, 'stopped'],
  ] as const)('%s: claimed = %s', (_, claimed, holder, holderAlive, state) => {
    const home = tempHome();
    const [a, b] = [openStore(home), openStore(home)];
    const id = a.waves.insert(false, items('bd-1'));
    if (holder !== null) expect(a.waves.claimDriver(id, holder, 'start', () => false)).toBe(true);
    if (state !== 'running') a.waves.end(id, state);
    const alive = (pid: number | null) => pid !== null && pid === holder && holderAlive;
    expect(b.waves.claimDriver(id, ME, 'mine', alive)).toBe(claimed);
    expect(b.waves.get(id)?.driverPid).toBe(claimed ? ME : holder);
  });

  it('a wave ends once', () => {
    const store = openStore();
    const id = store.waves.insert(false, items('bd-1'));
    expect(store.waves.end(id, 'done')).toBe(true);
    expect(store.waves.end(id, 'stopped')).toBe(false);
    expect(store.waves.get(id)).toMatchObject({ state: 'done', endedAt: expect.any(Number) });
    expect(store.waves.running()).toEqual([]);
  });
});
