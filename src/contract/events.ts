import { z } from 'zod';
import type { OutcomeState } from './health.js';

/**
 * The job event log: every transition a run records, by `kind`, with its details. The store writes only
 * these and reads them back typed; `report` prints each with its time (`at`) first, so the fields are named as
 * printed (snake_case). Code that only needs the types imports them with `import type`: zod stays out of
 * `check` and `status`.
 */

export const outcomeStateSchema = z.enum([
  'success',
  'failed',
  'killed',
  'blocked',
  'governance_failed',
]) satisfies z.ZodType<OutcomeState>;

export const restartReasonSchema = z.enum([
  'manual_restart',
  'watchdog_restart',
  'server_back',
  'rate_limited',
  'store_busy',
]);

const int = z.number().int();

/** One provider's checks at start: a `preflight` event's details, and `start --dry-run`'s `tried`. */
export const providerTrySchema = z.object({
  provider: z.string(),
  /** null: the provider was refused before a model was chosen */
  model: z.string().nullable(),
  passed: z.boolean(),
  reason_code: z.string(),
  message: z.string(),
});

/**
 * The catalog, each event after the `first` fields (an event as `report` prints it has its time first);
 * `finalState` is what a `finalized` event's `state` holds.
 */
const catalog = <F extends z.ZodRawShape, S extends z.ZodType<string>>(first: F, finalState: S) =>
  z.discriminatedUnion('kind', [
    z
      .object({ ...first, kind: z.literal('created'), provider: z.string(), model: z.string(), worktree: z.string() })
      .describe('the run was recorded'),
    z.object({ ...first, kind: z.literal('launched'), pid: int }).describe("the agent's process group was spawned"),
    z
      .object({ ...first, kind: z.literal('preflight'), ...providerTrySchema.shape })
      .describe("one provider's checks at start, in the order start tried the providers"),
    z
      .object({
        ...first,
        kind: z.literal('finalized'),
        state: finalState,
        reason_code: z.string(),
        exit_code: int.nullable(),
      })
      .describe('the outcome was written (once: a later finalizer changes nothing)'),
    z
      .object({
        ...first,
        kind: z.literal('restarted'),
        reason_code: restartReasonSchema,
        previous_run: z.string(),
        retry: int,
      })
      .describe('this run relaunched previous_run (its run instance)'),
    z
      .object({ ...first, kind: z.literal('fail_fast'), reason_code: z.string(), retries: int })
      .describe('the provider failed `retries` model calls in a row: the run was failed without waiting longer'),
    z
      .object({
        ...first,
        kind: z.literal('rate_limited'),
        reason_code: z.string(),
        attempt: int,
        retry_in_sec: z.number(),
        hint_sec: z.number().nullable(),
        relaunch: z.boolean(),
      })
      .describe(
        'the provider rate-limited the run: its provider is paused on this host for retry_in_sec (its hint_sec when ' +
          'it gave one, else the doubling backoff; attempt: 429s in a row); relaunch: the job goes again after it. ' +
          "A relaunched run carries its predecessors' 429s, so the last run's report lists every one",
      ),
    z
      .object({
        ...first,
        kind: z.literal('relaunch_waiting'),
        reason_code: z.string(),
        provider: z.string(),
        cap: int,
      })
      .describe(
        'a restart ended this run but the provider was at its cap: the relaunch waits for a slot ' +
          '(the watchdog relaunches it when one frees)',
      ),
    z
      .object({ ...first, kind: z.literal('warning'), reason_code: z.string(), message: z.string() })
      .describe('the run went on without a check it could not make (model_check_unavailable: no model list)'),
    z
      .object({
        ...first,
        kind: z.literal('delivery'),
        step: z.string(),
        passed: z.boolean(),
        reason_code: z.string(),
        details: z.string(),
      })
      .describe("one step of delivering the agent's work after it succeeded (commit, verify), and its result"),
    z
      .object({ ...first, kind: z.literal('wave_dispatch'), wave: int, attempt: int, fallback_reason: z.string() })
      .describe("a wave launched this run as its item's attempt"),
    z
      .object({
        ...first,
        kind: z.literal('run_ended'),
        processes: int,
        outside_group: int,
        sessions_aborted: int,
        left: int,
      })
      .describe(
        "the run's processes were ended (outside_group: those that had left the agent's process group or " +
          'session), its sessions on the shared server aborted, and `left` could not be killed',
      ),
    z
      .object({ ...first, kind: z.literal('sandbox_denied'), detail: z.string() })
      .describe('the sandbox refused a write outside what the agent may change (the error as its tool saw it)'),
  ]);

/** An event as the store keeps it: a `finalized` event holds the recorded outcome. */
export const jobEventSchema = catalog({}, outcomeStateSchema);

/**
 * An event in `report`: the time it was recorded (UTC) first, and a `finalized` event says the state the run
 * ended in (`states`: the job states, which this module cannot import), as every command names it.
 */
export const reportedEventCatalog = <S extends z.ZodType<string>>(states: S) => catalog({ at: z.string() }, states);

export type JobEvent = z.infer<typeof jobEventSchema>;
export type RestartReason = z.infer<typeof restartReasonSchema>;
