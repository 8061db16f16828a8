import type { DeliveryResult } from '../contract/delivery.js';
import { DxError } from '../core/errors.js';
import { deliveryResults } from '../delivery/land.js';
import type { RemoteLanding } from '../delivery/remote.js';
import { callSelf } from './callSelf.js';
import type { RepoCache } from './repoCache.js';
import { fleetLandingSchema, type FleetWave, type FleetWaveItem } from './waveData.js';

/**
 * The fleet wave's merge queue lands one item on its base on the shared remote (delivery/remote.ts), in a clone
 * of the driver host's repo cache kept for the wave, in a process of its own: git and the verify command run
 * there, off the worker's event loop, which keeps renewing the locks of the jobs it runs.
 */

export type Lander = (w: FleetWave, it: FleetWaveItem) => Promise<DeliveryResult>;

export const landerOn =
  (cache: RepoCache): Lander =>
  async (w, it) => {
    const { failed } = deliveryResults('merge', it.branch ?? '');
    if (!it.branch) return failed('nothing_to_deliver', `${it.beads} has no branch on the shared remote to land`);
    const req: RemoteLanding = {
      remote: w.repo,
      clone: cache.landingClone(w.repo, w.id),
      branch: it.branch,
      base: it.base,
      strategy: it.mergeStrategy ?? 'rebase',
      verify: it.verifyCmd,
    };
    try {
      return fleetLandingSchema.parse(await callSelf('__fleet-land', req, process.env, `the landing of ${it.beads}`));
    } catch (e) {
      if (e instanceof DxError) return failed(e.reasonCode, e.message);
      throw e;
    }
  };
