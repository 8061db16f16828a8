import { takeBaseline } from '../governance/git.js';
import type { JobRecord, Store } from '../store/index.js';
import { gatherChoice, gatherJobFacts } from './facts.js';
import { launchWhenRoom } from './launch.js';
import { withProfile, type StartOptions } from './options.js';
import { planJob, planLaunch, type LaunchPlan } from './plan.js';

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
  const choice = await gatherChoice({ store, home }, job);
  return planLaunch(job, choice, takeBaseline(job.worktree));
}

/** Plans the job, then records it and launches it detached with its supervisor. */
export async function startJob(store: Store, home: string, flags: StartOptions): Promise<JobRecord> {
  return launchWhenRoom(store, home, await planStart(store, home, flags), flags.waitSec);
}
