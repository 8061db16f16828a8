/**
 * The fleet: many hosts sharing one set of global caps, on BullMQ over Redis. Each host runs
 * `dx-runner worker`; `start --fleet` enqueues, the job commands with `--fleet` read the engine, `fleet status`,
 * `fleet caps` and `fleet doctor` show and set the fleet. Single-host mode never loads this folder.
 */
import { connectFleet } from './connection.js';
import { doctorFacts, doctorOutput } from './doctor.js';
import { withEngine, type Engine } from './engine.js';
import { enqueue, fleetJob, fleetJobData, fleetJobs, fleetQueues, stopFleetJob, viewOf } from './client.js';
import type { EnqueueOptions } from './client.js';
import { checkProvider, knownHosts, fleetCaps, fleetStatus, setCaps } from './status.js';
import type { FleetJobView } from './decide.js';
import type { FleetStatusOutput } from '../report/fleetSchemas.js';
import { parseRate } from './names.js';
import { fleetLogLines, fleetLogLinesAfter, fleetLogText } from './logs.js';
import { sleep } from '../core/time.js';

export { fleetUrl, FLEET_URL_ENV, redactUrl } from './connection.js';
export { runWorker, type WorkerOptions } from './worker.js';
export { checkHostId } from './names.js';
export type { EnqueueOptions } from './client.js';
export type { FleetJobView } from './decide.js';
export {
  fleetWaveReport,
  fleetWaveStatus,
  resumeFleetWave,
  startFleetWave,
  stopFleetWave,
  type FleetWaveOptions,
} from './wave.js';

/** Every queue a bead's job may be in, for this fleet. */
const queuesOf = async (engine: Engine) => fleetQueues(await knownHosts(engine));

/** `start --fleet`: checks the job as a start does (nothing is enqueued on a refusal), then enqueues it. */
export async function startOnFleet(url: string, o: EnqueueOptions): Promise<FleetJobView & { added: boolean }> {
  const data = fleetJobData(o, Date.now());
  return withEngine(url, async (engine) => {
    const { job, added, queue } = await enqueue(engine, data);
    return { ...(await viewOf(engine, job, queue)), added };
  });
}

/** `check`/`report --fleet --beads`: one fleet job as the engine knows it. */
export const fleetJobOf = (url: string, beads: string | undefined) =>
  withEngine(url, async (engine) => (await fleetJob(engine, beads, await queuesOf(engine))).view);

/** `status --fleet`: every fleet job, newest first. */
export const fleetJobList = (url: string) =>
  withEngine(url, async (engine) => fleetJobs(engine, await queuesOf(engine)));

/**
 * `logs --fleet --beads [--follow]`: the last lines of the bead's output, from the host that runs or ran it, given
 * to `show` as they are printed; following, the new ones every half second until the job has ended. Unknown bead
 * refused. Gives the job as it was last read.
 */
export const fleetLogs = (url: string, beads: string, lines: number, follow: boolean, show: (text: string[]) => void) =>
  withEngine(url, async (engine) => {
    const queues = await queuesOf(engine);
    let { view } = await fleetJob(engine, beads, queues);
    const first = await fleetLogLines(engine, view.beads, lines);
    show(fleetLogText(view.beads, first));
    let last = first.at(-1);
    while (follow && ['queued', 'running'].includes(view.state)) {
      await sleep(500);
      // the state first: a host sends a job's last lines before it settles the job, so they are read after
      view = (await fleetJob(engine, beads, queues)).view;
      const more = await fleetLogLinesAfter(engine, view.beads, last?.id ?? '0');
      show(fleetLogText(view.beads, more, last));
      last = more.at(-1) ?? last;
    }
    return view;
  });

/** `stop --fleet --beads`: ends the job on whichever host runs it. */
export const stopOnFleet = (url: string, beads: string) =>
  withEngine(url, async (engine) => stopFleetJob(engine, beads, await queuesOf(engine)));

export const fleetStatusOf = (url: string) => withEngine(url, fleetStatus);
/** `fleet status --watch`: `watch` reads the status as often as it likes over one connection, closed after. */
export const watchFleetStatus = (url: string, watch: (read: () => Promise<FleetStatusOutput>) => Promise<void>) =>
  withEngine(url, (engine) => watch(() => fleetStatus(engine)));
export const fleetCapsOf = (url: string) => withEngine(url, fleetCaps);

/** `fleet caps set`: the rate as `N/<sec>s`, checked before Redis is asked. */
export const setFleetCaps = async (
  url: () => Promise<string>,
  provider: string,
  concurrency: number,
  rate: string | undefined,
) => {
  // bad input is refused before the fleet is asked
  checkProvider(provider);
  const parsed = rate === undefined ? null : parseRate(rate);
  return withEngine(await url(), async (engine) => {
    await setCaps(engine, provider, concurrency, parsed);
    return fleetCaps(engine);
  });
};

/** `fleet doctor`: the findings over this Redis. */
export async function fleetDoctor(url: string) {
  const redis = await connectFleet(url);
  try {
    return doctorOutput(await doctorFacts(url, redis));
  } finally {
    redis.disconnect();
  }
}
