import { z } from 'zod';
import { sandboxModeSchema } from '../contract/lanes.js';
import { thresholdsSecSchema } from './schemas.js';

/** `profiles --json`: every profile found, by name, with what shadows what. */
export const profilesSchema = z.object({
  profiles: z.array(
    z.object({
      name: z.string(),
      file: z.string(),
      provider: z.string().nullable(),
      description: z.string().nullable(),
      error: z.string().nullable(),
      shadowed: z.array(z.string()),
    }),
  ),
});

/** `profiles --show NAME --json`: the profile as written, and the settings a job started with it gets. */
export const profileShowSchema = z.object({
  name: z.string(),
  file: z.string(),
  profile: z.record(z.string(), z.unknown()),
  effective: z.object({
    provider: z.string(),
    model: z.string(),
    allowed_models: z.array(z.string()).nullable(),
    lane: z.string(),
    sandbox: sandboxModeSchema,
    fallback: z.array(z.string()),
    strict: z.boolean(),
    max_parallel: z.number().int().positive(),
    thresholds_sec: thresholdsSecSchema,
    gates: z.array(z.string()),
  }),
});

export type ProfilesOutput = z.infer<typeof profilesSchema>;
export type ProfileShowOutput = z.infer<typeof profileShowSchema>;
