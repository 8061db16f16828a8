import { stateOfOutcome, thresholdsSec } from '../health/index.js';
import type { Evaluated } from '../jobs/judge.js';
import { filesOf } from '../jobs/paths.js';
import type { PauseRecord, RecordedEvent } from '../store/index.js';
import type { DeliveryResult } from '../contract/delivery.js';
import type { CheckOutput, DeliveryOutput, PausedProvider, ReportOutput, StatusRow } from './schemas.js';
import type { JobRow } from './table.js';

type ReportedEvent = ReportOutput['events'][number];

// the views start from a job's health, which the job lifecycle (the watchdog) evaluates too
export type { Evaluated } from '../jobs/judge.js';

export { renderLogLine, tailLines } from './logs.js';
export { formatElapsed, jobTable, renderTable, type Column, type JobRow } from './table.js';

const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));

/** The providers paused on this host after a 429, as `status` lists them. */
export const pausedProviders = (pauses: PauseRecord[], now = Date.now()): PausedProvider[] =>
  pauses.map((p) => ({
    provider: p.provider,
    until: iso(p.until),
    retry_in_sec: Math.max(0, Math.ceil((p.until - now) / 1000)),
    attempt: p.attempt,
    reason_code: p.reason,
  }));

/** `status`'s line under the table: each paused provider and how long it waits. */
export const pausedLine = (paused: PausedProvider[]): string | null =>
  paused.length
    ? `paused (rate limited): ${paused.map((p) => `${p.provider} retry in ${p.retry_in_sec} s`).join(', ')}`
    : null;

/** What became of the job's work, as check and report show it. */
const workOf = (j: Evaluated['job']) => ({
  commit_policy: j.commitPolicy,
  reported_commit: j.reportedCommit,
  branch: j.branch,
  verify_cmd: j.verifyCmd,
  verify_result: j.verifyResult,
});

export function statusRow(e: Evaluated, now = Date.now()): StatusRow {
  const j = e.job;
  return {
    beads: j.beads,
    provider: j.provider,
    pid: e.alive ? j.pid : null,
    state: e.health.state,
    reason_code: e.health.reasonCode,
    elapsed: seconds((j.completedAt ?? now) - j.startedAt),
    log_bytes: j.outputBytes,
    mutation_count: j.mutations,
    retry_count: j.retries,
    outcome: j.outcomeState ? `${j.outcomeState}:${j.exitCode ?? '-'}` : null,
    host: j.host,
    cwd: j.cwd,
    worktree: j.worktree,
    run_instance: j.runInstance,
  };
}

/** A job as a row of `status` and of the live views. */
export const jobRow = (e: Evaluated, now = Date.now()): JobRow => ({
  beads: e.job.beads,
  provider: e.job.provider,
  state: e.health.state,
  elapsed: seconds((e.job.completedAt ?? now) - e.job.startedAt),
  bytes: e.job.outputBytes,
  mutations: e.job.mutations,
  lastEvent: e.job.lastEvent,
});

export function checkResult(e: Evaluated, now = Date.now()): CheckOutput {
  const j = e.job;
  return {
    beads: j.beads,
    provider: j.provider,
    state: e.health.state,
    reason_code: e.health.reasonCode,
    next_action: e.nextAction,
    host: j.host,
    cwd: j.cwd,
    worktree: j.worktree,
    run_instance: j.runInstance,
    selected_model: j.model,
    fallback_reason: j.fallbackReason,
    execution_mode: j.executionMode,
    exit_code: j.exitCode,
    session_id: j.sessionId,
    mutation_count: j.mutations,
    log_bytes: j.outputBytes,
    pid_age_sec: seconds(now - j.startedAt),
    log_age_sec: j.lastOutputAt === null ? null : seconds(now - j.lastOutputAt),
    ...workOf(j),
  };
}

/** UTC to the second (2025-01-31T12:00:00Z): the one format of every time dx-runner prints */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An event as `report` shows it: its time in UTC first; a `finalized` event names the state the run ended in. */
export function reportedEvent(ev: RecordedEvent, mutations: number): ReportedEvent {
  const at = iso(ev.at);
  return ev.kind === 'finalized' ? { ...ev, at, state: stateOfOutcome(ev.state, mutations) } : { ...ev, at };
}

/** The full record of a run; `events` is its append-only transition log from the store. */
export function reportOf(e: Evaluated, events: RecordedEvent[], now = Date.now()): ReportOutput {
  const j = e.job;
  return {
    beads: j.beads,
    provider: j.provider,
    state: e.health.state,
    reason_code: e.health.reasonCode,
    next_action: e.nextAction,
    started_at: iso(j.startedAt),
    completed_at: iso(j.completedAt),
    duration_sec: seconds((j.completedAt ?? now) - j.startedAt),
    retries: j.retries,
    exit_code: j.exitCode,
    outcome_state: j.outcomeState,
    outcome_reason_code: j.outcomeReason,
    selected_model: j.model,
    fallback_reason: j.fallbackReason,
    execution_mode: j.executionMode,
    worktree: j.worktree,
    mutations: j.mutations,
    log_bytes: j.outputBytes,
    session_id: j.sessionId,
    tokens_in: j.tokensIn,
    tokens_out: j.tokensOut,
    host: j.host,
    cwd: j.cwd,
    run_instance: j.runInstance,
    profile: j.settings.profile ?? null,
    /** the thresholds fixed into the job at start (flags > profile > env > defaults), in seconds */
    thresholds_sec: thresholdsSec(j.settings),
    max_parallel: j.settings.maxParallel,
    sandbox: j.settings.sandbox ?? null,
    gates: j.gates,
    events: events.map((ev) => reportedEvent(ev, j.mutations)),
    pid: j.pid,
    supervisor_pid: j.supervisorPid,
    log_file: filesOf(j).out,
    ...workOf(j),
    delivery: j.delivery ? deliveryOutput(j.delivery) : null,
  };
}

/** A delivery as the JSON outputs show it. */
export const deliveryOutput = (d: DeliveryResult): DeliveryOutput => ({
  mode: d.mode,
  result: d.result,
  reason_code: d.reasonCode,
  detail: d.detail,
  branch: d.branch,
  ref: d.ref,
  sha: d.sha,
  conflicts: d.conflicts,
  ms: d.ms,
});

export function reportMarkdown(r: ReportOutput): string {
  const sections: Array<[string, Array<[string, unknown]>]> = [
    [
      'Summary',
      [
        ['Provider', r.provider],
        ['State', r.state],
        ['Reason', r.reason_code],
        ['Next Action', r.next_action],
        ['Started', r.started_at],
        ['Completed', r.completed_at],
        ['Duration', `${r.duration_sec}s`],
        ['Retries', r.retries],
      ],
    ],
    [
      'Outcome',
      [
        ['Exit Code', r.exit_code],
        ['Reason', r.outcome_reason_code],
        ['Selected Model', r.selected_model],
        ['Fallback Reason', r.fallback_reason],
        ['Execution Mode', r.execution_mode],
        ['Sandbox', r.sandbox ? `${r.sandbox.mode} (${r.sandbox.reason})` : '-'],
        ['Profile', r.profile ?? '-'],
      ],
    ],
    [
      'Work',
      [
        ['Commit Policy', r.commit_policy],
        ['Reported Commit', r.reported_commit],
        ['Branch', r.branch],
        ['Verify Command', r.verify_cmd],
        [
          'Verification',
          r.verify_result &&
            `${r.verify_result.status}${r.verify_result.log ? ` (output: ${r.verify_result.log})` : ''}`,
        ],
      ],
    ],
    [
      'Gates',
      Object.entries(r.gates).map(([g, v]): [string, unknown] => [
        g,
        `${v.passed ? 'PASS' : 'FAIL'} (${v.reason_code}) ${v.details}`,
      ]),
    ],
    [
      'Events',
      r.events.map(({ at, kind, ...detail }): [string, unknown] => [
        `${at} ${kind}`,
        Object.entries(detail)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ') || '-',
      ]),
    ],
    [
      'Delivery',
      r.delivery
        ? [
            ['Mode', r.delivery.mode],
            ['Result', r.delivery.reason_code ? `${r.delivery.result} (${r.delivery.reason_code})` : r.delivery.result],
            ['Branch', r.delivery.branch],
            ['Ref', r.delivery.ref],
            ['Commit', r.delivery.sha],
            ['Detail', r.delivery.detail],
          ]
        : [],
    ],
    [
      'Metrics',
      [
        ['Worktree', r.worktree],
        ['Mutations', r.mutations],
        ['Log Size', `${r.log_bytes} bytes`],
        ['Tokens', `${r.tokens_in} in / ${r.tokens_out} out`],
        ['Session', r.session_id],
        ['Host', r.host],
        ['Run Instance', r.run_instance],
      ],
    ],
  ];
  const lines = [`# Report: ${r.beads}`, ''];
  for (const [title, rows] of sections.filter(([, rows]) => rows.length)) {
    lines.push(`## ${title}`, '| field | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v ?? '-'} |`), '');
  }
  return lines.join('\n');
}
