import { z } from 'zod';
import { nullableInt, state, statusRowSchema } from './schemas.js';

/** The `--json` outputs of `wave status`, `wave report` and `wave resume` (see schemas.ts). */
const itemState = z.enum(['queued', 'launching', 'running', 'landed', 'failed', 'cancelled', 'stopped']);
const itemCounts = z.object(
  Object.fromEntries(itemState.options.map((s) => [s, z.number().int().nonnegative()])) as Record<
    z.infer<typeof itemState>,
    z.ZodNumber
  >,
);
const waveState = z.enum(['running', 'done', 'stopped']);

/** `wave status` (and `wave start`, `wave stop`): the wave and each item with its current job */
export const waveStatusSchema = z.object({
  wave: z.number().int().positive(),
  state: waveState,
  critical: z.boolean(),
  driver_pid: nullableInt,
  created_at: z.string(),
  ended_at: z.string().nullable(),
  counts: itemCounts,
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
    }),
  ),
});

/** `wave report`: every item with all its attempts (runs) */
export const waveReportSchema = z.object({
  wave: z.number().int().positive(),
  state: waveState,
  critical: z.boolean(),
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
      worktree: z.string(),
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
