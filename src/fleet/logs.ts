import { LineTail } from '../core/tail.js';
import { redact } from '../governance/secrets.js';
import { filesOf } from '../jobs/paths.js';
import { getProvider } from '../providers/index.js';
import { renderLogLine } from '../report/index.js';
import type { JobRecord } from '../store/index.js';
import { fleetLogLineSchema, type FleetLogLine } from './data.js';
import type { Engine } from './engine.js';
import { logsKey } from './names.js';

/**
 * A fleet job's output, reachable from any host: while the job runs, its host appends the lines `dx-runner logs`
 * shows there (rendered, secrets redacted, stderr marked) to the bead's Redis stream, capped; `logs --fleet` reads
 * them back, and follows the stream from the last entry it printed. The raw event stream stays on the host.
 */

/** The lines kept per bead, over all its attempts: about the newest (Redis trims a stream in whole blocks). */
export const FLEET_LOG_LINES = 2_000;
const SHIP_MS = 500;
/** The field of a stream entry that holds the line (JSON, see fleetLogLineSchema). */
const FIELD = 'l';

/** Ships a local job's new output every half second; `stop()` ships what is left and ends. */
export function shipLogs(engine: Engine, job: JobRecord, host: string, attempt: number): { stop(): Promise<void> } {
  const files = filesOf(job);
  const out = new LineTail(files.out);
  const err = new LineTail(files.err);
  const render = getProvider(job.provider).renderLine ?? renderLogLine;
  const entry = (line: string): string => JSON.stringify({ host, attempt, line: redact(line) } satisfies FleetLogLine);
  const push = async (lines: string[]) => {
    if (lines.length === 0) return;
    const key = logsKey(job.beads);
    const batch = engine.redis.multi();
    for (const l of lines) batch.xadd(key, 'MAXLEN', '~', FLEET_LOG_LINES, '*', FIELD, entry(l));
    await batch.exec();
  };
  const fresh = () => [...out.read().map((l) => render(l)), ...err.read().map((l) => `[stderr] ${l}`)];
  // one push at a time, in order; a failed one (Redis away for a moment) loses only its lines
  let chain = Promise.resolve();
  const ship = (lines: string[]) => (chain = chain.then(() => push(lines)).catch(() => undefined));
  const timer = setInterval(() => void ship(fresh()), SHIP_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      const rest = fresh();
      if (out.partial) rest.push(render(out.partial));
      if (err.partial) rest.push(`[stderr] ${err.partial}`);
      await ship(rest);
    },
  };
}

/** A line as read back, with its stream id: where a follower goes on from. */
export type ReadLine = FleetLogLine & { id: string };

const parsed = (entries: Array<[id: string, fields: string[]]>): ReadLine[] =>
  entries.map(([id, fields]) => ({ id, ...fleetLogLineSchema.parse(JSON.parse(fields[fields.indexOf(FIELD) + 1])) }));

/** The last `lines` lines a bead's fleet job printed, oldest first, each with its host and attempt. */
export async function fleetLogLines(engine: Engine, beads: string, lines: number): Promise<ReadLine[]> {
  return parsed(await engine.redis.xrevrange(logsKey(beads), '+', '-', 'COUNT', lines)).reverse();
}

/** The lines after stream id `after` (`0`: from the first kept). */
export async function fleetLogLinesAfter(engine: Engine, beads: string, after: string): Promise<ReadLine[]> {
  return parsed(await engine.redis.xrange(logsKey(beads), `(${after}`, '+'));
}

/**
 * Pure: the lines as `logs --fleet` prints them: a heading naming the host and attempt before each run of lines
 * from one attempt, so every line says where it came from; `before` is the line printed last (a follower's).
 */
export function fleetLogText(beads: string, lines: readonly FleetLogLine[], before?: FleetLogLine): string[] {
  const text: string[] = [];
  let at = before ? `${before.host} a${before.attempt}` : '';
  for (const l of lines) {
    const here = `${l.host} a${l.attempt}`;
    if (here !== at) text.push(`== ${beads} attempt ${l.attempt} on ${l.host} ==`);
    at = here;
    text.push(l.line);
  }
  return text;
}
