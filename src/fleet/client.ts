import type { Job } from 'bullmq';
import { DxError } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { guardPrompt } from '../governance/secrets.js';
import { getProvider, providerNames } from '../providers/index.js';
import { readPrompt, validateBeadsId } from '../jobs/validate.js';
import { DEFAULT_BRANCH_PREFIX } from '../contract/delivery.js';
import { fallbackCandidates } from '../jobs/options.js';
import { fleetProgressSchema, fleetResultSchema, type FleetJobData } from './data.js';
import { fleetJobView, type FleetJobView } from './decide.js';
import type { Engine } from './engine.js';
import {
  checkBranchPrefix,
  checkHostId,
  FLEET_BRANCH_PREFIX,
  fleetJobId,
  hostQueue,
  providerQueue,
  STOP_CHANNEL,
  STOP_KEY,
} from './names.js';

/** What `start --fleet` is given. */
export interface EnqueueOptions {
  beads?: string;
  prompt?: string;
  promptFile?: string;
  provider?: string;
  model?: string;
  /** the shared remote's URL (or path) every host clones */
  repo?: string;
  base?: string;
  branchPrefix?: string;
  /** pin the job to this host */
  host?: string;
  verifyCmd?: string;
  /** auto | none | a provider: where the job goes once its provider stays rate limited past the retries */
  fallback?: string;
}

/**
 * Pure over its input files: the engine's job data, every check a start makes on what it carries (the bead id,
 * the prompt and its secrets, the provider), so a refused start enqueues nothing. No credential goes into it.
 */
export function fleetJobData(o: EnqueueOptions, now: number): FleetJobData {
  const beads = validateBeadsId(o.beads);
  const prompt = readPrompt(o);
  guardPrompt(prompt);
  const provider = getProvider(o.provider ?? 'opencode').name;
  // as on one host: none unless --fallback names one (auto: the next of the chain)
  const fallback = fallbackCandidates(provider, o.fallback, undefined)[0];
  if (!o.repo)
    throw new DxError(
      'wave_input_missing',
      'a fleet job needs the shared remote its hosts clone; pass --repo <git url>',
      'input',
    );
  return {
    beads,
    prompt,
    provider,
    model: o.model,
    repo: o.repo,
    base: o.base ?? 'main',
    branchPrefix: checkBranchPrefix(o.branchPrefix ?? FLEET_BRANCH_PREFIX, DEFAULT_BRANCH_PREFIX),
    host: o.host === undefined ? undefined : checkHostId(o.host),
    verifyCmd: o.verifyCmd,
    fallbackProvider: fallback === undefined ? undefined : getProvider(fallback).name,
    enqueuedAt: now,
  };
}

/** Enqueues the job under the bead's id: a bead already in the engine keeps its job (`added` false). */
export async function enqueue(
  engine: Engine,
  data: FleetJobData,
): Promise<{ job: Job; added: boolean; queue: string }> {
  const queue = data.host ? hostQueue(data.host) : providerQueue(data.provider);
  const id = fleetJobId(data.beads);
  const known = await engine.queue(queue).getJob(id);
  if (known) return { job: known, added: false, queue };
  await engine.redis.srem(STOP_KEY, data.beads);
  const job = await engine.queue(queue).add(data.beads, data, { jobId: id, removeOnComplete: false });
  return { job, added: true, queue };
}

/** Every queue a fleet job may be in: each provider's, and the pinned queue of each host known. */
export const fleetQueues = (hosts: string[]): string[] => [
  ...providerNames().map(providerQueue),
  ...hosts.map(hostQueue),
];

/** The view of one engine job. */
export async function viewOf(engine: Engine, job: Job, queue: string): Promise<FleetJobView> {
  const progress = fleetProgressSchema.safeParse(job.progress);
  const result = fleetResultSchema.safeParse(job.returnvalue);
  const data = job.data as FleetJobData;
  return fleetJobView({
    beads: data.beads,
    queue,
    provider: data.provider,
    fallbackReason: data.fallbackReason ?? null,
    engineState: await job.getState(),
    progress: progress.success ? progress.data : null,
    result: result.success ? result.data : null,
    failedReason: job.failedReason ?? null,
    stopAsked: (await engine.redis.sismember(STOP_KEY, data.beads)) === 1,
  });
}

/**
 * The fleet job of a bead, refused when the engine holds none: its newest, as a bead that fell back has a job in
 * its first provider's queue and one in its fallback's.
 */
export async function fleetJob(engine: Engine, beadsArg: string | undefined, queues: string[]) {
  const beads = validateBeadsId(beadsArg);
  let newest: { job: Job; queue: string } | null = null;
  for (const queue of queues) {
    const job = await engine.queue(queue).getJob(fleetJobId(beads));
    if (job && (!newest || job.timestamp > newest.job.timestamp)) newest = { job, queue };
  }
  if (newest) return { ...newest, view: await viewOf(engine, newest.job, newest.queue) };
  throw new DxError(
    'fleet_job_not_found',
    `the fleet holds no job for bead ${beads}; list them: dx-runner status --fleet`,
  );
}

/** Every bead's fleet job in the given queues (its newest, see fleetJob), newest first. */
export async function fleetJobs(engine: Engine, queues: string[]): Promise<FleetJobView[]> {
  const views = new Map<string, FleetJobView & { at: number }>();
  for (const queue of queues)
    for (const job of await engine
      .queue(queue)
      .getJobs(['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed'])) {
      const known = job && views.get((job.data as FleetJobData).beads);
      if (job && (!known || job.timestamp > known.at))
        views.set((job.data as FleetJobData).beads, { ...(await viewOf(engine, job, queue)), at: job.timestamp });
    }
  return [...views.values()].sort((a, b) => b.at - a.at).map(({ at: _at, ...v }) => v);
}

/** How long stop waits for the owning host to end the job before it reports the stop as asked. */
const STOP_WAIT_MS = 15_000;

/**
 * Stops a fleet job from any host: a queued one is taken out of its queue; a running one's host is told at once
 * (a message on the stop channel; the stop is also kept, so a host that takes the job later does not run it),
 * and stop waits until that host has ended it.
 */
export async function stopFleetJob(engine: Engine, beads: string, queues: string[]): Promise<FleetJobView> {
  const found = await fleetJob(engine, beads, queues);
  if (!['queued', 'running'].includes(found.view.state))
    throw new DxError('job_not_running', `the fleet job of ${beads} has ended (${found.view.state}); nothing to stop`);
  return stopEngineJob(engine, found);
}

/** Stops one engine job as stopFleetJob does (a wave item's job too, under its own id); gives it as it ended. */
export async function stopEngineJob(
  engine: Engine,
  found: { job: Job; queue: string; view: FleetJobView },
): Promise<FleetJobView> {
  const beads = found.view.beads;
  await engine.redis.sadd(STOP_KEY, beads);
  await engine.redis.publish(STOP_CHANNEL, beads);
  const state = await found.job.getState();
  if (state !== 'active') await found.job.remove().catch(() => undefined);
  const deadline = Date.now() + STOP_WAIT_MS;
  for (;;) {
    const job = await engine.queue(found.queue).getJob(found.job.id as string);
    if (!job) return { ...found.view, state: 'stopped', reason_code: 'manual_stop' };
    const view = await viewOf(engine, job, found.queue);
    if (view.state !== 'running' || Date.now() > deadline) return view;
    await sleep(100);
  }
}
