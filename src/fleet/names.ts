import { DxError } from '../core/errors.js';
import { echo } from '../core/input.js';

/**
 * Pure: the fleet's names in the engine (queues, job ids, keys), the branch a fleet attempt works on, and the
 * inputs the fleet commands take (a host id, a rate cap). Nothing here touches Redis.
 */

/** Every BullMQ key of the fleet starts with this, so one Redis can hold other data beside it. */
export const FLEET_PREFIX = 'dxfleet';

/** The queue of a provider's jobs: any host with the provider's CLI takes them, under the provider's caps. */
export const providerQueue = (provider: string) => `provider-${provider}`;

/** The queue of the jobs pinned to one host (a follow-up that needs that host's worktree). */
export const hostQueue = (hostId: string) => `host-${hostId}`;

/** The engine's job id of a bead: the same bead enqueued twice is one job (BullMQ ignores a known id). */
export const fleetJobId = (beads: string) => `bead-${beads}`;

/** A host's heartbeat key: it expires when the worker stops renewing it, so a dead host shows as gone. */
export const heartbeatKey = (hostId: string) => `${FLEET_PREFIX}:host:${hostId}`;
export const HOSTS_KEY = `${FLEET_PREFIX}:hosts`;
/** The stop requests of fleet jobs: a set of bead ids (read by the owning worker), and a channel that wakes it. */
export const STOP_KEY = `${FLEET_PREFIX}:stop`;
export const STOP_CHANNEL = `${FLEET_PREFIX}:stop`;
/** Each bead's attempt counter: attempt n works on the branch `<prefix>/<bead>/a<n>`. */
export const attemptKey = (beads: string) => `${FLEET_PREFIX}:attempt:${beads}`;
/** Each bead's 429s in a row (a hash by bead id): the fleet's backoff doubles with them. */
export const RATE_LIMITS_KEY = `${FLEET_PREFIX}:429`;
/** The fleet's event log: one JSON line per job started or ended on a host (what `fleet status` and tests read). */
export const EVENTS_KEY = `${FLEET_PREFIX}:events`;
/** Each bead's output lines, as its host's `dx-runner logs` shows them (a capped list, see logs.ts). */
export const logsKey = (beads: string) => `${FLEET_PREFIX}:logs:${beads}`;
/** The caps set with `fleet caps set`, by provider (JSON): what `fleet caps` lists. */
export const CAPS_KEY = `${FLEET_PREFIX}:caps`;

/** The branch prefix fleet attempts get unless the start names another. */
export const FLEET_BRANCH_PREFIX = 'fleet';

/**
 * The branch of one attempt: `<prefix>/<bead>/a<n>`. git cannot hold a branch and another below it
 * (`dx/bd-x` and `dx/bd-x/a1`), so fleet branches live under their own prefix, which local jobs never use:
 * the fleet refuses the local default prefix, and a host's repository cache makes fleet branches only.
 */
export function fleetBranch(prefix: string, beads: string, attempt: number): string {
  return `${prefix}/${beads}/a${attempt}`;
}

/** Checks a fleet branch prefix: a git-safe name, not the prefix local jobs use (`dx`). */
export function checkBranchPrefix(prefix: string, localPrefix: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/.test(prefix) || prefix === localPrefix)
    throw new DxError(
      'invalid_argument',
      `--branch-prefix '${echo(prefix)}' cannot name fleet branches; use letters, digits, '.', '_' or '-', ` +
        `other than the local jobs' prefix ${localPrefix} (default ${FLEET_BRANCH_PREFIX})`,
    );
  return prefix;
}

/** A host id names a queue and a key: letters, digits, '.', '_' or '-'. */
export function checkHostId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(id))
    throw new DxError(
      'invalid_argument',
      `--host-id '${echo(id)}' is not valid; use up to 63 letters, digits, '.', '_' or '-' (e.g. --host-id gpu-1)`,
    );
  return id;
}

/** A rate cap: at most `max` jobs started per `durationMs`. */
export interface RateCap {
  max: number;
  durationMs: number;
}

/**
 * The rate a provider queue has when no cap names one: never reached. BullMQ honours a 429's pause of a queue
 * (`queue.rateLimit`) only on a queue with a rate limit, so every provider queue has one.
 */
export const NO_RATE: RateCap = { max: 1_000_000_000, durationMs: 1000 };

/** `--rate N/<sec>s` (`10/60s`): N jobs started per that many seconds, across the fleet. */
export function parseRate(text: string): RateCap {
  const m = /^(\d{1,6})\/(\d{1,6})s$/.exec(text.trim());
  const max = m ? Number(m[1]) : 0;
  const sec = m ? Number(m[2]) : 0;
  if (max < 1 || sec < 1)
    throw new DxError(
      'invalid_argument',
      `--rate '${echo(text)}' is not a rate; give jobs per seconds as N/<sec>s, e.g. --rate 10/60s`,
    );
  return { max, durationMs: sec * 1000 };
}
