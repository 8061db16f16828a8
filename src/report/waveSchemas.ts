import { z } from 'zod';
import { fleetJobSchema } from './fleetSchemas.js';
import { deliverySchema, nullableInt, state, statusRowSchema } from './schemas.js';

/** The `--json` outputs of `wave status`, `wave report` and `wave resume` (see schemas.ts). */
const itemState = z
  .enum(['queued', 'launching', 'running', 'landing', 'ready', 'landed', 'failed', 'cancelled', 'stopped'])
  .describe(
    'ready: the job succeeded and its work is on its branch (deliver: none); landing: in the merge queue; ' +
      'landed: its delivery policy is met (pushed, or landed on the base)',
  );
const itemCounts = z.object(
  Object.fromEntries(itemState.options.map((s) => [s, z.number().int().nonnegative()])) as Record<
    z.infer<typeof itemState>,
    z.ZodNumber
  >,
);
const waveState = z.enum(['running', 'done', 'stopped']);
/** A fleet wave (`--fleet`) adds these: its driver's host, and each item's job in the engine. */
const driverHost = z.string().nullable().optional().describe('a fleet wave: the host whose worker runs its driver');
const fleetJob = fleetJobSchema
  .nullable()
  .optional()
  .describe("a fleet wave: the item's current job in the engine (null: not enqueued yet)");

/** `wave status` (and `wave start`, `wave stop`): the wave and each item with its current job */
export const waveStatusSchema = z.object({
  wave: z.number().int().positive(),
  state: waveState,
  critical: z.boolean(),
  driver_pid: nullableInt,
  driver_host: driverHost,
  created_at: z.string(),
  ended_at: z.string().nullable(),
  counts: itemCounts,
  merge_queue: z
    .array(z.string())
    .describe('the beads waiting in the merge queue, in the order they land (the first is landing)'),
  items: z.array(
    z.object({
      beads: z.string(),
      item_state: itemState,
      provider: z.string(),
      attempts: z.number().int().nonnegative(),
      fallback_reason: z.string().nullable(),
      reason_code: z.string().nullable(),
      last_event: z.string().nullable(),
      job: statusRowSchema.nullable(),
      fleet_job: fleetJob,
    }),
  ),
});

/** `wave report`: every item with all its attempts (runs) */
export const waveReportSchema = z.object({
  wave: z.number().int().positive(),
  state: waveState,
  critical: z.boolean(),
  driver_host: driverHost,
  created_at: z.string(),
  ended_at: z.string().nullable(),
  duration_sec: z.number().int().nonnegative(),
  counts: itemCounts,
  items: z.array(
    z.object({
      beads: z.string(),
      state: itemState,
      provider: z.string(),
      attempts: z.number().int().nonnegative(),
      fallback_reason: z.string().nullable(),
      reason_code: z.string().nullable(),
      worktree: z.string().describe('a fleet wave: empty (each host makes its own; the work is on the branch)'),
      branch: z.string().nullable().describe("the item's branch (null: its worktree is gone or on no branch)"),
      commit: z.string().nullable().describe("the worktree's HEAD when its job moved it, else null"),
      delivery: deliverySchema.nullable().describe('what delivering the item did; null: not delivered'),
      mutations: z.number().int().nonnegative(),
      runs: z.array(
        z.object({
          provider: z.string(),
          selected_model: z.string(),
          state,
          reason_code: z.string(),
          fallback_reason: z.string(),
          started_at: z.string(),
          completed_at: z.string().nullable(),
          mutations: z.number().int().nonnegative(),
          run_instance: z.string(),
        }),
      ),
      fleet_job: fleetJob,
    }),
  ),
});

export const waveResumeSchema = z.object({
  wave: z.number().int().positive(),
  resumed: z.boolean(),
  driver_pid: nullableInt,
});

export type WaveStatusOutput = z.infer<typeof waveStatusSchema>;
export type WaveReportOutput = z.infer<typeof waveReportSchema>;
export type WaveResumeOutput = z.infer<typeof waveResumeSchema>;
