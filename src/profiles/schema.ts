import { z } from 'zod';

/**
 * A profile: named, reviewed settings for a kind of job. Every field does something; an unknown field is
 * refused (strict objects), so a typo never passes as a setting that silently does nothing.
 * Precedence when a job starts: command-line flags > profile > environment > defaults.
 */
export const LANE = z.enum(['headless', 'attach', 'server']);
export const GATE = z.enum(['feature-key', 'scope', 'evidence', 'integrity']);

const positive = z.number().positive();

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
  lane: LANE.optional(),
  /** live jobs of this provider at once (the concurrency cap while this profile starts jobs) */
  max_parallel: z.number().int().positive().optional(),
  /** preflight: warnings (a probe timeout, an unreadable model list) are errors */
  strict: z.boolean().optional(),
  timeouts: z
    .strictObject({
      stall_minutes: positive.optional(),
      max_runtime_minutes: positive.optional(),
      no_mutation_timeout_minutes: positive.optional(),
      startup_grace_sec: positive.optional(),
      no_op_window_sec: positive.optional(),
    })
    .optional(),
  gates: z
    .strictObject({
      /** gates the job must pass after its agent succeeds */
      required: z.array(GATE).min(1),
      /** scope gate: allowed paths, one per line; relative to the profile file */
      allowed_paths_file: z.string().min(1).optional(),
      mutation_budget: z.number().int().nonnegative().optional(),
      /** evidence gate: the signoff file, relative to the worktree */
      signoff_file: z.string().min(1).optional(),
      /** feature-key gate: the base to compare against */
      base: z.string().min(1).optional(),
    })
    .optional(),
});

export type Profile = z.infer<typeof ProfileSchema>;

/** A profile as found: its name and the file it came from. */
export interface LoadedProfile {
  name: string;
  file: string;
  profile: Profile;
}
