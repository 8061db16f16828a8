import { z } from 'zod';
import { DELIVER_MODES, MERGE_STRATEGIES } from '../contract/delivery.js';
import { ITEM_STATES, type ItemState } from '../wave/decide.js';
import { FLEET_PREFIX } from './names.js';

/**
 * What the engine holds of a fleet wave (checked with zod wherever it is read back): the wave's items, each with
 * its task, its providers and where it stands. Its driver, `wave stop|resume --fleet` write it (each save only over
 * the text it read, waveDriver.ts); any host reads it.
 */

/** What the landing of one item did (a DeliveryResult). */
export const fleetLandingSchema = z.object({
  mode: z.enum(['push', 'merge']),
  result: z.enum(['pushed', 'landed', 'failed']),
  reasonCode: z.string().nullable(),
  detail: z.string(),
  branch: z.string(),
  ref: z.string().nullable(),
  sha: z.string().nullable(),
  conflicts: z.array(z.string()),
  ms: z.number(),
});

export const fleetWaveItemSchema = z.object({
  beads: z.string(),
  prompt: z.string(),
  provider: z.string(),
  model: z.string().optional(),
  fallbackProvider: z.string().nullable(),
  fallbackModel: z.string().optional(),
  verifyCmd: z.string().optional(),
  /** the remote's branch its worktree starts from */
  base: z.string(),
  /** 0: not enqueued yet; n: its n-th dispatch (the second is on the fallback provider) is the current job */
  dispatch: z.number().int().nonnegative(),
  fallbackReason: z.string().nullable(),
  state: z.custom<ItemState>((v) => ITEM_STATES.includes(v as ItemState), 'not a wave item state'),
  reasonCode: z.string().nullable(),
  host: z.string().nullable(),
  attempt: z.number().int().nullable(),
  branch: z.string().nullable(),
  commit: z.string().nullable(),
  delivery: z.string().nullable(),
  /** the manifest's `deliver`: merge lands the item on its base through the wave's merge queue */
  deliver: z.enum(DELIVER_MODES).optional(),
  mergeStrategy: z.enum(MERGE_STRATEGIES).optional(),
  /** when its job ended (the merge queue's order) */
  finishedAt: z.number().nullable().optional(),
  /** what landing it on its base did */
  landing: fleetLandingSchema.nullable().optional(),
});
export type FleetWaveItem = z.infer<typeof fleetWaveItemSchema>;

export const fleetWaveSchema = z.object({
  id: z.number().int().positive(),
  state: z.enum(['running', 'done', 'stopped']),
  critical: z.boolean(),
  /** the shared remote every item's host clones and pushes to, and the prefix of the items' branches */
  repo: z.string(),
  branchPrefix: z.string(),
  createdAt: z.number(),
  endedAt: z.number().nullable(),
  /** the host whose worker runs the driver now */
  driverHost: z.string().nullable(),
  items: z.array(fleetWaveItemSchema),
});
export type FleetWave = z.infer<typeof fleetWaveSchema>;

/** The queue of wave drivers: any worker takes one, and another takes it over when that host dies. */
export const WAVES_QUEUE = 'waves';
/** The last wave id given out (INCR). */
export const WAVE_SEQ_KEY = `${FLEET_PREFIX}:wave-seq`;
export const waveKey = (id: number) => `${FLEET_PREFIX}:wave:${id}`;
/** The engine's job id of a wave's driver. */
export const waveDriverJobId = (id: number) => `wave-${id}`;
