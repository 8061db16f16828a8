import { z } from 'zod';

/** The `--json` outputs of the fleet commands (see schemas.ts): fleet jobs, hosts, queues, caps, doctor. */

const jobState = z
  .enum(['queued', 'running', 'success', 'failed', 'killed', 'stopped', 'blocked', 'unknown'])
  .describe('queued: waiting in its queue (or rate-limited); running: a host runs it; the rest: its outcome');

/** `status --fleet`, `check --fleet`, `report --fleet`, `stop --fleet`, `start --fleet`: one fleet job */
export const fleetJobSchema = z.object({
  beads: z.string(),
  queue: z.string().describe('provider-<name>, or host-<id> for a job pinned to a host'),
  provider: z.string().describe('the provider its current attempt runs on'),
  fallback_reason: z
    .string()
    .nullable()
    .describe('why it runs on its fallback provider (its first stayed rate limited past the retries); null: not'),
  state: jobState,
  reason_code: z.string().nullable(),
  host: z.string().nullable().describe('the host that runs it (or ran its last attempt)'),
  attempt: z.number().int().nullable().describe('attempt n works on the branch <prefix>/<bead>/a<n>'),
  branch: z.string().nullable(),
  commit: z.string().nullable(),
  delivery: z
    .string()
    .nullable()
    .describe("what became of the attempt's branch: pushed to origin/<branch>, or why not"),
});
export type FleetJobOutput = z.infer<typeof fleetJobSchema>;

export const fleetJobsSchema = z.object({ jobs: z.array(fleetJobSchema) });

const capsSchema = z.object({
  provider: z.string(),
  concurrency: z.number().int().nullable().describe('jobs of this provider running at once across the fleet'),
  rate: z
    .object({ max: z.number().int(), duration_ms: z.number().int() })
    .nullable()
    .describe('jobs of this provider started per duration_ms across the fleet'),
});

/** `fleet caps --json` */
export const fleetCapsSchema = z.object({ caps: z.array(capsSchema) });
export type FleetCapsOutput = z.infer<typeof fleetCapsSchema>;

/** `fleet status --json` */
export const fleetStatusSchema = z.object({
  url: z.string().describe('the fleet URL, its password masked'),
  hosts: z.array(
    z.object({
      host: z.string(),
      alive: z.boolean().describe('its heartbeat (renewed every 2 s, lasting 8 s) is there'),
      slots: z.number().int(),
      providers: z.array(z.string()),
      running: z.array(z.string()).describe('the beads it runs now'),
    }),
  ),
  queues: z.array(
    z.object({
      queue: z.string(),
      waiting: z.number().int(),
      active: z.number().int(),
      delayed: z.number().int(),
      paused: z.boolean(),
      rate_limited_ms: z.number().int().describe('how long the queue stays paused after a 429 (0: not)'),
    }),
  ),
  caps: z.array(capsSchema),
});
export type FleetStatusOutput = z.infer<typeof fleetStatusSchema>;

/** `fleet doctor --json` */
export const fleetDoctorSchema = z.object({
  url: z.string(),
  ok: z.boolean().describe('no finding failed'),
  findings: z.array(
    z.object({
      check: z.enum(['url', 'version', 'maxmemory_policy', 'persistence', 'auth']),
      status: z.enum(['ok', 'warn', 'fail']),
      detail: z.string(),
      next_action: z.string().nullable(),
    }),
  ),
});
export type FleetDoctorOutput = z.infer<typeof fleetDoctorSchema>;
