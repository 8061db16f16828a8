import { z } from 'zod';

/**
 * What the engine holds of a fleet job, checked with zod wherever it is read back (a worker taking a job, a
 * command showing one): the task and where its work comes from and goes, never a credential. Each host runs
 * the job with its own provider credentials.
 */
export const fleetJobDataSchema = z.object({
  beads: z.string(),
  prompt: z.string(),
  provider: z.string(),
  model: z.string().optional(),
  /** the shared remote every host clones and pushes the attempt's branch to */
  repo: z.string(),
  /** the remote's branch the worktree starts from */
  base: z.string(),
  branchPrefix: z.string(),
  /** set for a job pinned to one host */
  host: z.string().optional(),
  verifyCmd: z.string().optional(),
  /** the provider this job falls back to once its own stays rate limited past the retries (`--fallback`) */
  fallbackProvider: z.string().optional(),
  /** set on a fallback attempt: why it left the first provider (it falls back no further) */
  fallbackReason: z.string().optional(),
  enqueuedAt: z.number(),
});
export type FleetJobData = z.infer<typeof fleetJobDataSchema>;

/** What a worker reports while it runs the job (BullMQ's progress). */
export const fleetProgressSchema = z.object({
  host: z.string(),
  attempt: z.number(),
  branch: z.string(),
  run_instance: z.string(),
  spawned_at: z.number(),
});
export type FleetProgress = z.infer<typeof fleetProgressSchema>;

/** The outcome a worker completes the engine's job with: the local job's, as the host recorded it. */
export const fleetResultSchema = z.object({
  host: z.string(),
  attempt: z.number(),
  branch: z.string(),
  state: z.string(),
  reason_code: z.string(),
  exit_code: z.number().nullable(),
  commit: z.string().nullable(),
  /** the delivery: `pushed to origin/<branch>`, or why not */
  delivery: z.string().nullable(),
});
export type FleetResult = z.infer<typeof fleetResultSchema>;

/** The kinds of the fleet's events; `fell_back`: the job moved to its fallback provider's queue. */
export const FLEET_EVENT_KINDS = ['started', 'ended', 'rate_limited', 'handed_back', 'fell_back'] as const;

/** One line of the fleet's event log: a job started or ended on a host. */
export const fleetEventSchema = z.object({
  kind: z.enum(FLEET_EVENT_KINDS),
  host: z.string(),
  beads: z.string(),
  provider: z.string(),
  attempt: z.number(),
  at: z.number(),
  detail: z.string().optional(),
});
export type FleetEvent = z.infer<typeof fleetEventSchema>;

/** One line of a fleet job's output as the engine keeps it: the text its host's `logs` shows, and where it ran. */
export const fleetLogLineSchema = z.object({
  host: z.string(),
  attempt: z.number(),
  line: z.string(),
});
export type FleetLogLine = z.infer<typeof fleetLogLineSchema>;

/**
 * What a worker asks its launcher (`dx-runner __fleet-launch`, src/fleet/launcher.ts), one JSON line on its
 * stdin per start: the job, its attempt, and the worker the run belongs to (its supervisor watches that worker).
 */
export const launchRequestSchema = z.object({
  id: z.number().int().positive(),
  job: fleetJobDataSchema,
  attempt: z.number().int().positive(),
  worker: z.object({ pid: z.number().int().positive(), start: z.string() }).optional(),
});
export type LaunchRequest = z.infer<typeof launchRequestSchema>;

/** The launcher's answer, one JSON line on its stdout: the local job it recorded and launched, or its refusal. */
export const launchAnswerSchema = z.union([
  z.object({ id: z.number(), job_id: z.number().int().positive(), branch: z.string() }),
  z.object({ id: z.number(), error: z.object({ reason_code: z.string(), message: z.string() }) }),
]);
export type LaunchAnswer = z.infer<typeof launchAnswerSchema>;
