import { isReason } from '../core/errors.js';
import { takeBaseline } from '../governance/git.js';
import type { JobRecord, Store } from '../store/index.js';
import { gatherChoice, gatherJobFacts, gatherSandbox } from './facts.js';
import { launchWhenRoom } from './launch.js';
import { assertDeliverable } from '../delivery/job.js';
import { deliveryPolicy, withProfile, type StartOptions } from './options.js';
import { planJob, planLaunch, type LaunchPlan } from './plan.js';
import { createWorktree, removeWorktree } from './worktree.js';

/**
 * What start would launch, recording nothing: the job's facts, the plan's checks (bad input is refused before
 * anything is recorded), the providers' facts as far as the choice needs them, then the mutation baseline.
 * `store` is read only, for the managed server of the attach and server lanes.
 */
export async function planStart(store: Store, home: string, flags: StartOptions): Promise<LaunchPlan> {
  // profiles load yaml and zod: only a start that names one pays for them
  const profile = flags.profile
    ? (await import('../profiles/index.js')).loadProfile(flags.profile, flags.env)
    : undefined;
  const job = planJob({ flags, profile, facts: gatherJobFacts(withProfile(flags, profile?.profile)) });
  assertDeliverable(job.create?.repo ?? job.worktree, deliveryPolicy(job.opts));
  const choice = await gatherChoice({ store, home }, job);
  // a worktree made at launch starts clean at its base commit
  const baseline = job.create ? { head: job.create.commit, dirty: {} } : takeBaseline(job.worktree);
  return planLaunch(job, choice, baseline, gatherSandbox(job, choice.chosen.lane, home));
}

/**
 * Plans the job, makes its worktree when --worktree-root asked for one (every check has passed), then records it
 * and launches it detached with its supervisor. A worktree made for a launch that is then refused (a live job of
 * the bead, the provider's cap) is removed again.
 */
export async function startJob(store: Store, home: string, flags: StartOptions): Promise<JobRecord> {
  const plan = await planStart(store, home, flags);
  const { create, run } = plan;
  if (!create) return launchWhenRoom(store, home, plan, flags.waitSec);
  await createWorktree(run.beads, run.worktree, create);
  try {
    return await launchWhenRoom(store, home, plan, flags.waitSec);
  } catch (e) {
    // a job recorded as failed to spawn keeps the worktree it names
    if (!isReason(e, 'spawn_failed')) removeWorktree(run.worktree, create);
    throw e;
  }
}
