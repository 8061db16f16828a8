import type { AttachedServer } from '../health/index.js';
import { serverUrl } from '../server/index.js';
import type { JobRecord, Store } from '../store/index.js';
import { launchServer, readLaunch } from './launch.js';
import { isAlive, processStartTime } from './process.js';

/**
 * The edge that finds whether the shared server a run was a client of still serves it, cheaply and at once
 * (finalization is synchronous): the managed server at the run's URL is gone when it was stopped, its process is
 * dead, or its keeper restarted it after the run began (a younger process: both start times are in clock ticks
 * since boot). A server dx-runner does not manage cannot be told apart: `unknown`.
 */
export function attachedServer(store: Store, job: JobRecord): AttachedServer {
  let url: string | undefined;
  try {
    url = launchServer(readLaunch(job).spec)?.url;
  } catch {
    return 'unknown'; // no launch record (its folder rotated away)
  }
  if (!url) return 'none';
  const managed = store.servers.latest();
  if (!managed || serverUrl(managed) !== url) return 'unknown';
  if (!managed.active || !isAlive(managed.pid, null)) return 'gone';
  const serverStart = managed.pid === null ? null : processStartTime(managed.pid);
  if (serverStart === null || job.pidStart === null) return 'unknown';
  return Number(serverStart) > Number(job.pidStart) ? 'gone' : 'same';
}
