import { z } from 'zod';
import { DELIVER_MODES, gateInputsSchema, laneSchema, sandboxModeSchema, workInputsSchema } from '../contract/index.js';
import { LIMITS } from '../core/input.js';

/**
 * A profile: named, reviewed settings for a kind of job. Every field does something; an unknown field is
 * refused (strict objects), so a typo never passes as a setting that silently does nothing.
 * Precedence when a job starts: command-line flags > profile > environment > defaults.
 */
const minutes = z.number().positive().max(LIMITS.minutes.max);
const seconds = z.number().positive().max(LIMITS.seconds.max);

export const ProfileSchema = z.strictObject({
  description: z.string().optional(),
  /** the provider this profile runs; --provider wins */
  provider: z.string().min(1),
  /** the model; --model wins (within allowed_models) */
  model: z.string().min(1).optional(),
  /** strict model list: a job may run only these (a --model or an environment override outside it is refused) */
  allowed_models: z.array(z.string().min(1)).min(1).optional(),
  /** let the provider's model variable (OPENCODE_MODEL …) override the model */
  allow_model_override: z.boolean().optional(),
  /** where a job goes when this provider cannot run it (start's fail-fast checks); "none" turns fallback off */
  fallback_provider: z.string().min(1).optional(),
  lane: laneSchema.optional(),
  /** the filesystem sandbox: auto, bwrap or off; --sandbox wins */
  sandbox: sandboxModeSchema.optional(),
  /** live jobs of this provider at once (the concurrency cap while this profile starts jobs) */
  max_parallel: z.number().int().min(LIMITS.cap.min).max(LIMITS.cap.max).optional(),
  /** relaunches of a rate-limited job, each after its provider's pause; then it ends rate limited */
  rate_limit_retries: z.number().int().min(LIMITS.retries.min).max(LIMITS.retries.max).optional(),
  /** how a job's work is delivered once it succeeded (none, push, merge); --deliver wins */
  deliver: z.enum(DELIVER_MODES).optional(),
  /** preflight: warnings (a probe timeout, an unreadable model list) are errors */
  strict: z.boolean().optional(),
  timeouts: z
    .strictObject({
      stall_minutes: minutes.optional(),
      max_runtime_minutes: minutes.optional(),
      no_mutation_timeout_minutes: minutes.optional(),
      startup_grace_sec: seconds.optional(),
      no_op_window_sec: seconds.optional(),
    })
    .optional(),
  /**
   * the gate inputs every job of this profile shares (not the feature key or the branch: those are a job's own);
   * the allowed-paths file is relative to the profile file
   */
  gates: gateInputsSchema
    .pick({ required: true, allowed_paths_file: true, mutation_budget: true, signoff_file: true, base: true })
    .extend({ required: gateInputsSchema.shape.required.min(1) })
    .optional(),
  /** what becomes of the agent's changes (auto, require, off), the verify command and its time limit */
  ...workInputsSchema.shape,
});

export type Profile = z.infer<typeof ProfileSchema>;

/** A profile as found: its name and the file it came from. */
export interface LoadedProfile {
  name: string;
  file: string;
  profile: Profile;
  /** set when the file is in the bash dx-runner's format: the old fields that no longer do anything */
  legacyDropped?: string[];
}
