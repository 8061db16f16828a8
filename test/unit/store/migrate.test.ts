import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { jobEventSchema } from '../../../src/contract/events.js';
import { dbPath, outcomeOf } from '../../../src/store/index.js';
import { homeFrom, newJob, openStore, tempHome } from './temp.js';

const TABLES = ['jobs', 'job_events', 'servers', 'waves', 'wave_items'];

/** The schema as SQLite sees it: every table's columns (type, NOT NULL, default, key), indexes and references. */
function schemaOf(home: string) {
  const db = new Database(dbPath(home), { readonly: true });
  try {
    return {
      version: db.pragma('user_version', { simple: true }),
      tables: Object.fromEntries(
        TABLES.map((t) => [
          t,
          {
            columns: db.pragma(`table_info(${t})`),
            references: db.pragma(`foreign_key_list(${t})`),
            indexes: db
              .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name")
              .all(t),
          },
        ]),
      ),
    };
  } finally {
    db.close();
  }
}

describe('a state database of schema version 5 (written by dx-runner before src/store/)', () => {
  it('becomes the schema a new store gets, column for column', () => {
    const fresh = tempHome();
    openStore(fresh);
    const old = homeFrom('state-v5.sql');
    expect(schemaOf(old).version).toBe(5);
    openStore(old);
    expect(schemaOf(old)).toEqual(schemaOf(fresh));
    expect(schemaOf(old).version).toBe(6);
  });

  it('opens, and every job, event, server, wave and item reads back', () => {
    const store = openStore(homeFrom('state-v5.sql'));
    const ended = store.jobs.get(1);
    expect(ended).toMatchObject({
      beads: 'bd-a1',
      active: false,
      pid: 4242,
      pidStart: '123456',
      supervisorPid: 4243,
      startedAt: 1735689600000,
      completedAt: 1735689700000,
      exitCode: 0,
      outcomeReason: 'scope_violation',
      mutations: 3,
      outputBytes: 2048,
      lastHeartbeatAt: 1735689661000,
      cpuSec: 12.5,
      lastCpuProgressAt: 1735689650000,
      sessionId: 'ses_1',
      tokensIn: 100,
      tokensOut: 50,
      gates: { scope: { passed: false, reason_code: 'scope_violation', details: 'README.md outside src/' } },
    });
    expect(outcomeOf(ended!)).toEqual({ state: 'governance_failed', reasonCode: 'scope_violation', exitCode: 0 });
    expect(ended?.settings).toMatchObject({ profile: 'careful', maxParallel: 4, gates: { required: ['scope'] } });
    expect(store.jobs.active('bd-a1')).toMatchObject({ id: 2, retries: 1, pidStart: null, cpuSec: 0, gates: {} });
    expect(store.jobs.current(-1).map((j) => j.id)).toEqual([2, 3]);
    expect(store.jobs.get(3)).toMatchObject({ provider: 'gemini', fallbackReason: 'cc-glm:cc_glm_auth_failed' });

    const events = [1, 2, 3].flatMap((id) => store.events.list(id));
    expect(events.map((e) => e.kind)).toEqual([
      'created',
      'preflight',
      'launched',
      'fail_fast',
      'finalized',
      'created',
      'restarted',
      'launched',
      'created',
      'wave_dispatch',
    ]);
    for (const { at, ...event } of events) {
      expect(at).toBeGreaterThan(1735689600000);
      expect(jobEventSchema.parse(event)).toEqual(event); // the catalog describes what the old code wrote
    }
    // key order too: report prints them as they come
    expect(JSON.stringify(store.events.list(1)[4])).toBe(
      '{"at":1735689605000,"kind":"finalized",' +
        '"state":"governance_failed","reason_code":"scope_violation","exit_code":0}',
    );

    expect(store.servers.active()).toMatchObject({ id: 2, port: 4097, keeperPid: 3100, pid: 3102, restarts: 1 });
    expect(store.servers.get(1)).toMatchObject({ active: false, stoppedAt: 1735685000000 });

    expect(store.waves.running().map((w) => w.id)).toEqual([1]);
    expect(store.waves.get(1)).toMatchObject({ critical: false, driverPid: 5000, driverStart: '999' });
    expect(store.waves.get(2)).toMatchObject({ state: 'stopped', critical: true, endedAt: 1735689900000 });
    expect(store.waves.items(1)).toMatchObject([
      {
        beads: 'bd-w1',
        provider: 'gemini',
        state: 'running',
        attempts: 1,
        claimedAt: 1735689775000,
        jobId: 3,
        spec: { prompt: 'do it', provider: 'cc-glm', fallbackProvider: 'gemini', gates: ['scope'], mutationBudget: 2 },
      },
      { beads: 'bd-w2', state: 'queued', jobId: null, spec: { promptFile: '/tmp/w2.txt', fallbackProvider: null } },
    ]);
    expect(store.waves.items(2)).toMatchObject([
      { beads: 'bd-x1', state: 'cancelled', fallbackReason: 'critical_wave' },
    ]);
  });

  it('keeps its rules: one live job per bead, finalize once, item claims', () => {
    const store = openStore(homeFrom('state-v5.sql'));
    expect(() => store.jobs.insert(newJob('bd-a1'))).toThrow(/UNIQUE constraint failed/);
    expect(
      store.jobs.finalize(
        1,
        { state: 'success', reasonCode: 'exited_ok', exitCode: 0 },
        {
          completedAt: 1,
          mutations: 0,
          outputBytes: 0,
          summary: { sessionId: null, tokensIn: 0, tokensOut: 0, lastEvent: null },
        },
      ),
    ).toBe(false);
    expect(store.waves.claimItem(2)).toBe(true);
    expect(store.waves.claimItem(1)).toBe(false);
    expect(store.jobs.insert(newJob('bd-new'))).toBe(4);
  });
});

describe('a state database of the first schema (no version, jobs and job_events only)', () => {
  it('gains the later columns (with their defaults) and tables, and keeps its job and events', () => {
    const home = homeFrom('state-v1.sql');
    const store = openStore(home);
    expect(store.jobs.latest('bd-old1')).toMatchObject({
      id: 1,
      active: false,
      outcomeState: 'success',
      tokensIn: 10,
      lastHeartbeatAt: null,
      cpuSec: 0,
      lastCpuProgressAt: null,
      gates: {},
      settings: { startupGraceSec: 120, stallSec: 600, providerRetryLimit: 3 },
    });
    expect(store.events.list(1).map((e) => e.kind)).toEqual(['created', 'finalized']);
    expect(store.servers.latest()).toBeNull();
    expect(store.waves.latest()).toBeNull();
    const migrated = schemaOf(home);
    expect(migrated.version).toBe(6);
    const fresh = tempHome();
    openStore(fresh);
    expect(migrated).toEqual(schemaOf(fresh));
  });
});
