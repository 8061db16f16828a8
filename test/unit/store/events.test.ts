import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { jobEventSchema, type JobEvent } from '../../../src/contract/events.js';
import { reportedEvent } from '../../../src/report/index.js';
import { reportSchema } from '../../../src/report/schemas.js';
import { dbPath } from '../../../src/store/index.js';
import { newJob, openStore, tempHome } from './temp.js';

/** Each kind of the catalog, with its detail as the store has always kept it (the JSON text, key order included). */
const CATALOG: Array<[JobEvent, string]> = [
  [
    {
      kind: 'preflight',
      provider: 'cc-glm',
      model: null,
      passed: false,
      reason_code: 'cc_glm_auth',
      message: 'no key',
    },
    '{"provider":"cc-glm","model":null,"passed":false,"reason_code":"cc_glm_auth","message":"no key"}',
  ],
  [{ kind: 'launched', pid: 4242 }, '{"pid":4242}'],
  [
    { kind: 'restarted', reason_code: 'watchdog_restart', previous_run: 'run-0', retry: 1 },
    '{"reason_code":"watchdog_restart","previous_run":"run-0","retry":1}',
  ],
  [
    { kind: 'fail_fast', reason_code: 'opencode_rate_limited', retries: 3 },
    '{"reason_code":"opencode_rate_limited","retries":3}',
  ],
  [
    {
      kind: 'rate_limited',
      reason_code: 'opencode_rate_limited',
      attempt: 2,
      retry_in_sec: 10,
      hint_sec: null,
      relaunch: true,
    },
    '{"reason_code":"opencode_rate_limited","attempt":2,"retry_in_sec":10,"hint_sec":null,"relaunch":true}',
  ],
  [
    { kind: 'relaunch_waiting', reason_code: 'provider_concurrency_cap_exceeded', provider: 'opencode', cap: 1 },
    '{"reason_code":"provider_concurrency_cap_exceeded","provider":"opencode","cap":1}',
  ],
  [
    { kind: 'warning', reason_code: 'model_check_unavailable', message: 'opencode models did not answer' },
    '{"reason_code":"model_check_unavailable","message":"opencode models did not answer"}',
  ],
  [
    { kind: 'wave_dispatch', wave: 2, attempt: 1, fallback_reason: 'none' },
    '{"wave":2,"attempt":1,"fallback_reason":"none"}',
  ],
  [
    { kind: 'run_ended', processes: 5, outside_group: 4, sessions_aborted: 0, left: 0 },
    '{"processes":5,"outside_group":4,"sessions_aborted":0,"left":0}',
  ],
  [
    { kind: 'sandbox_denied', detail: 'bash: /etc/zz: Read-only file system' },
    '{"detail":"bash: /etc/zz: Read-only file system"}',
  ],
  [
    { kind: 'delivery', step: 'commit', passed: false, reason_code: 'no_commit_artifact', details: 'head_unchanged' },
    '{"step":"commit","passed":false,"reason_code":"no_commit_artifact","details":"head_unchanged"}',
  ],
  [
    { kind: 'finalized', state: 'success', reason_code: 'exited_ok', exit_code: 0 },
    '{"state":"success","reason_code":"exited_ok","exit_code":0}',
  ],
];

describe('the job event log', () => {
  it.each(CATALOG)('%o is kept as its kind and detail and read back as written', (event, detail) => {
    const home = tempHome();
    const store = openStore(home);
    const id = store.jobs.insert(newJob('bd-1'));
    const before = Date.now();
    store.events.append(id, event);
    const [, read] = store.events.list(id); // after `created`
    expect(read).toEqual({ at: expect.any(Number), ...event });
    expect(Object.keys(read)).toEqual(['at', ...Object.keys(event)]);
    expect(read.at).toBeGreaterThanOrEqual(before);
    const db = new Database(dbPath(home), { readonly: true });
    const row = db.prepare('SELECT kind, detail FROM job_events WHERE job_id = ? ORDER BY id DESC').get(id);
    db.close();
    expect(row).toEqual({ kind: event.kind, detail });
    expect(jobEventSchema.parse(event)).toEqual(event);
    // report shows it with its time, a finalized run by its state (the one vocabulary)
    const shown = reportSchema.shape.events.element.parse(reportedEvent(read, 1));
    expect(shown).toMatchObject(event.kind === 'finalized' ? { ...event, state: 'exited_ok' } : event);
  });

  it('the catalog test covers every kind', () => {
    const kinds = jobEventSchema.options.map((o) => o.shape.kind.value).sort();
    expect(kinds).toEqual([...CATALOG.map(([e]) => e.kind), 'created'].sort());
  });

  it("a job's events come oldest first, and only its own", () => {
    const store = openStore();
    const a = store.jobs.insert(newJob('bd-1'));
    const b = store.jobs.insert(newJob('bd-2'));
    store.jobs.setLaunched(a, 11, null, 12);
    store.jobs.setLaunched(b, 21, '7', null);
    expect(store.events.list(a).map((e) => e.kind)).toEqual(['created', 'launched']);
    expect(store.events.list(b).at(-1)).toMatchObject({ kind: 'launched', pid: 21 });
    expect(store.jobs.get(b)).toMatchObject({ pid: 21, pidStart: '7', supervisorPid: null });
  });
});
