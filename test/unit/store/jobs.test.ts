import { describe, expect, it } from 'vitest';
import { emptySummary, type Outcome } from '../../../src/health/index.js';
import { newJob, openStore, tempHome } from './temp.js';

const end = (completedAt = 1_700_000_100_000) => ({
  completedAt,
  mutations: 2,
  outputBytes: 10,
  summary: emptySummary(),
});
const failed: Outcome = { state: 'failed', reasonCode: 'exited_err', exitCode: 1 };
const killed: Outcome = { state: 'killed', reasonCode: 'manual_restart', exitCode: 137 };

describe('one live job per bead', () => {
  it('a second live job of the bead is refused by the database, whichever connection inserts it', () => {
    const home = tempHome();
    const [a, b] = [openStore(home), openStore(home)];
    const first = a.jobs.insert(newJob('bd-1'));
    expect(() => b.jobs.insert(newJob('bd-1', { runInstance: 'second' }))).toThrow(/UNIQUE constraint failed/);
    expect(b.jobs.active('bd-1')?.id).toBe(first);
    expect(b.jobs.latest('bd-1')?.runInstance).toBe('run-bd-1');
  });

  it.each([
    ['another bead', 'bd-2', false],
    ['the same bead once its job ended', 'bd-1', true],
  ])('%s may start', (_, beads, endFirst) => {
    const store = openStore();
    const first = store.jobs.insert(newJob('bd-1'));
    if (endFirst) store.jobs.finalize(first, failed, end());
    const second = store.jobs.insert(newJob(beads, { runInstance: 'second' }));
    expect(store.jobs.get(second)?.active).toBe(true);
    expect(store.jobs.active(beads)?.id).toBe(second);
  });

  it('a new row starts live, with the column defaults, and records its creation', () => {
    const store = openStore();
    const id = store.jobs.insert(newJob('bd-1', { fallbackReason: 'none' }));
    const job = store.jobs.get(id);
    expect(job).toMatchObject({ active: true, pid: null, mutations: 0, cpuSec: 0, gates: {}, outcomeState: null });
    expect(job?.settings).toEqual(newJob('bd-1').settings);
    expect(store.events.list(id)).toEqual([
      { at: expect.any(Number), kind: 'created', provider: 'opencode', model: 'zai/glm-5', worktree: '/tmp/wt/bd-1' },
    ]);
  });
});

describe('finalize writes the outcome once', () => {
  it.each([
    ['the supervisor, then stop', failed, killed],
    ['stop, then the supervisor', killed, failed],
    ['the same finalizer twice', failed, failed],
  ])('%s: the first outcome stays, the second call changes nothing', (_, first, second) => {
    const home = tempHome();
    const [a, b] = [openStore(home), openStore(home)];
    const id = a.jobs.insert(newJob('bd-1'));
    expect(
      a.jobs.finalize(id, first, { ...end(), gates: { scope: { passed: true, reason_code: 'ok', details: '' } } }),
    ).toBe(true);
    expect(b.jobs.finalize(id, second, { ...end(1_700_000_200_000), mutations: 9 })).toBe(false);
    const job = b.jobs.get(id);
    expect(job).toMatchObject({
      active: false,
      outcomeState: first.state,
      outcomeReason: first.reasonCode,
      exitCode: first.exitCode,
      completedAt: 1_700_000_100_000,
      mutations: 2,
      gates: { scope: { passed: true, reason_code: 'ok', details: '' } },
    });
    expect(b.events.list(id).filter((e) => e.kind === 'finalized')).toEqual([
      {
        at: expect.any(Number),
        kind: 'finalized',
        state: first.state,
        reason_code: first.reasonCode,
        exit_code: first.exitCode,
      },
    ]);
  });

  it('progress after the end is ignored: a finished row does not move', () => {
    const store = openStore();
    const id = store.jobs.insert(newJob('bd-1'));
    store.jobs.finalize(id, failed, end());
    store.jobs.recordProgress(id, {
      outputBytes: 999,
      lastOutputAt: 1,
      heartbeatAt: 1,
      cpuSec: 5,
      cpuProgressAt: 1,
      summary: { ...emptySummary(), tokensIn: 7 },
      mutations: 7,
    });
    expect(store.jobs.get(id)).toMatchObject({ outputBytes: 10, mutations: 2, tokensIn: 0, cpuSec: 0 });
  });
});

describe('progress', () => {
  it.each([
    ['counters never move backwards', { outputBytes: 5, cpuSec: 1 }, { outputBytes: 100, cpuSec: 3 }],
    ['they grow with the output', { outputBytes: 500, cpuSec: 9 }, { outputBytes: 500, cpuSec: 9 }],
  ])('%s', (_, next, want) => {
    const store = openStore();
    const id = store.jobs.insert(newJob('bd-1'));
    const p = { lastOutputAt: 10, heartbeatAt: 10, cpuProgressAt: 10, summary: emptySummary(), mutations: null };
    store.jobs.recordProgress(id, { ...p, outputBytes: 100, cpuSec: 3 });
    store.jobs.recordProgress(id, { ...p, ...next, lastOutputAt: 20 });
    expect(store.jobs.get(id)).toMatchObject({ ...want, firstOutputAt: 10, lastOutputAt: 20 });
  });
});

describe('the current jobs', () => {
  it('live ones first, then the newest run of each finished bead; a bead ended with a reason is found by it', () => {
    const store = openStore();
    const old = store.jobs.insert(newJob('bd-1'));
    store.jobs.finalize(old, { state: 'failed', reasonCode: 'server_lost', exitCode: null }, end());
    const rerun = store.jobs.insert(newJob('bd-1', { runInstance: 'rerun', retries: 1 }));
    store.jobs.finalize(rerun, failed, end(1_700_000_300_000));
    const lost = store.jobs.insert(newJob('bd-2'));
    store.jobs.finalize(lost, { state: 'failed', reasonCode: 'server_lost', exitCode: null }, end());
    const live = store.jobs.insert(newJob('bd-3'));
    expect(store.jobs.current(-1).map((j) => j.id)).toEqual([live, rerun, lost]);
    expect(store.jobs.current(1).map((j) => j.id)).toEqual([live, rerun]);
    expect(store.jobs.latestEndedWith('server_lost').map((j) => j.id)).toEqual([lost]);
    expect(store.jobs.since('bd-1', 0).map((j) => j.id)).toEqual([old, rerun]);
    expect(store.jobs.activeOf('opencode').map((j) => j.id)).toEqual([live]);
  });
});
